"""/api/v1/ of governance: each area's viewsets and paths."""

from erpkeeper.governance.compliance import api as compliance_api
from erpkeeper.governance.privacy import api as privacy_api

AREAS = (compliance_api, privacy_api)
urlpatterns = [pattern for area in AREAS for pattern in area.urlpatterns]


def register(router) -> None:
    for area in AREAS:
        area.register(router)
