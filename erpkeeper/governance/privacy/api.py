"""API of governance.privacy (registered by erpkeeper.governance.api)."""

urlpatterns = []


def register(router) -> None:
    pass
