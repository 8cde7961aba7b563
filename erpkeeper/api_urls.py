"""/api/v1: every app registers its viewsets on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from erpkeeper.alerts import api as alerts_api
from erpkeeper.backups import api as backups_api
from erpkeeper.core import api_views as core_api
from erpkeeper.monitoring import api as monitoring_api
from erpkeeper.notifications import api as notifications_api
from erpkeeper.targets import api as targets_api

router = DefaultRouter()
targets_api.register(router)
core_api.register(router)
backups_api.register(router)
notifications_api.register(router)
monitoring_api.register(router)
alerts_api.register(router)

urlpatterns = [
    path("", include(router.urls)),
    path("", include("erpkeeper.accounts.api_urls")),
]
