"""Accounts endpoints under /api/v1/: me/, me/password/ and tokens/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from erpkeeper.accounts import api

router = SimpleRouter()
api.register(router)

urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("me/password/", api.MePasswordView.as_view(), name="api-me-password"),
    path("", include(router.urls)),
]
