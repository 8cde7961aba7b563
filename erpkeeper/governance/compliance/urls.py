"""Console pages of governance.compliance (under /governance/compliance/)."""

urlpatterns = []
