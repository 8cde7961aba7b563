"""The signed-in user's own pages, mounted at /account/ (behind the console's sign-in).

The on-call feed (``oncall/<token>.ics``) is the exception: calendar apps have no session, so
the token in its address is the credential (docs/teams.md).

``admin_view`` also marks every answer ``Cache-Control: no-store``: the set-up page shows the
authenticator's key and the recovery codes are shown once; neither may stay in a cache.
"""

from django.contrib import admin
from django.urls import path

from erpkeeper.accounts import views
from erpkeeper.accounts.teams.views import rota_feed

urlpatterns = [
    path("oncall/<str:token>.ics", rota_feed, name="accounts-rota-feed"),
    path(
        "two-factor/",
        admin.site.admin_view(views.two_factor_account),
        name="accounts-two-factor",
    ),
    path(
        "two-factor/verify/",
        admin.site.admin_view(views.two_factor_verify),
        name="accounts-two-factor-verify",
    ),
    path(
        "two-factor/setup/",
        admin.site.admin_view(views.two_factor_setup),
        name="accounts-two-factor-setup",
    ),
    path(
        "two-factor/recovery-codes/",
        admin.site.admin_view(views.two_factor_recovery_codes),
        name="accounts-two-factor-recovery-codes",
    ),
    path(
        "two-factor/disable/",
        admin.site.admin_view(views.two_factor_disable),
        name="accounts-two-factor-disable",
    ),
    path(
        "two-factor/forget-browsers/",
        admin.site.admin_view(views.two_factor_forget_browsers),
        name="accounts-two-factor-forget-browsers",
    ),
]
