"""Accounts endpoints under /api/v1/: me/, me/password/, me/sign-ins/, on-call/ (here) and
tokens/, sign-ins/ and the teams' routes (on the router, accounts/teams/api.py)."""

from django.urls import path

from erpkeeper.accounts import api
from erpkeeper.accounts.teams import api as teams_api


def register(router) -> None:
    api.register(router)
    teams_api.register(router)


urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("me/password/", api.MePasswordView.as_view(), name="api-me-password"),
    path("me/sign-ins/", api.MeSignInsView.as_view(), name="api-me-sign-ins"),
    path("on-call/", teams_api.OnCallView.as_view(), name="api-on-call"),
]
