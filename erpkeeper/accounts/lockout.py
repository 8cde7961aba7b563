"""What django-axes answers once an account is locked out from an address (AXES_LOCKOUT_CALLABLE).

Locking is per (username, IP address): 5 failures lock that pair for AXES_COOLOFF_TIME, so an
attacker cannot lock a colleague out from elsewhere, and other accounts stay usable.
"""

from axes.helpers import get_cool_off
from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def lockout_message(request=None) -> str:
    cool_off = get_cool_off(request)
    if cool_off is None:
        return _(
            "Too many failed sign-in attempts for this account from your address. "
            "Ask an administrator to unlock it."
        )
    minutes = max(1, round(cool_off.total_seconds() / 60))
    return ngettext(
        "Too many failed sign-in attempts for this account from your address. "
        "Try again in %(minutes)d minute or ask an administrator to unlock it.",
        "Too many failed sign-in attempts for this account from your address. "
        "Try again in %(minutes)d minutes or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


# The service desk's portal for ERP end users signs in on its own page, in its own look (a path
# and a template name, not an import: accounts sits below the service desk).
PORTAL_PREFIX = "/portal/"
PORTAL_TEMPLATE = "servicedesk/portal/locked_out.html"


def lockout_response(request, credentials, *args, **kwargs):
    message = lockout_message(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "error": "locked_out"}, status=429)
    if request.path.startswith(PORTAL_PREFIX):
        return render(request, PORTAL_TEMPLATE, {"message": message}, status=429)
    context = {**admin.site.each_context(request), "message": message}
    return render(request, "accounts/locked_out.html", context, status=429)
