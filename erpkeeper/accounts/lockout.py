from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request, credentials, *args, **kwargs):
    message = _(
        "Too many failed sign-in attempts for this account from your address. "
        "Try again in 15 minutes or ask an administrator to unlock it."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "error": "locked_out"}, status=429)
    return render(request, "accounts/locked_out.html", {"message": message}, status=429)
