"""/api/v1: every app's API module registers its viewsets on one router and may add paths.

Apps name their API module on their AppConfig (``api_module``, see erpkeeper.lib.plugins): it
has ``register(router)`` and, optionally, ``urlpatterns`` for views that are not viewsets.
"""

import importlib

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from erpkeeper.lib.plugins import erpkeeper_apps

router = DefaultRouter()
extra_patterns = []
for config in erpkeeper_apps():
    if config.api_module:
        module = importlib.import_module(config.api_module)
        module.register(router)
        extra_patterns += getattr(module, "urlpatterns", [])

urlpatterns = [*extra_patterns, path("", include(router.urls))]
