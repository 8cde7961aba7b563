"""API of governance.compliance (registered by erpkeeper.governance.api)."""

urlpatterns = []


def register(router) -> None:
    pass
