"""Console pages of governance.privacy (under /governance/privacy/)."""

urlpatterns = []
