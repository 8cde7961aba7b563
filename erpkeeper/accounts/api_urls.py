"""Accounts endpoints under /api/v1/: me/, me/password/, me/sign-ins/ (here) and tokens/,
sign-ins/ (on the router)."""

from django.urls import path

from erpkeeper.accounts import api

register = api.register

urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("me/password/", api.MePasswordView.as_view(), name="api-me-password"),
    path("me/sign-ins/", api.MeSignInsView.as_view(), name="api-me-sign-ins"),
]
