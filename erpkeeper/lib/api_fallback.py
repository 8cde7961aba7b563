"""Every answer under /api/ is JSON: a path without its trailing slash is redirected to the
slashed one (308 keeps the method and body), an unknown path is a JSON 404.

Without this, such paths fell through to the console's catch-all: a login redirect for GET and
a CSRF error page for POST, both HTML, which an API client cannot read.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt  # it changes nothing; a CSRF page would hide the real answer
def api_fallback(request, rest: str = ""):
    slashed = request.path + "/"
    if not request.path.endswith("/") and _resolves(slashed):
        query = request.META.get("QUERY_STRING", "")
        location = slashed + ("?" + query if query else "")
        response = JsonResponse(
            {
                "detail": _("API paths end with a slash: %(path)s") % {"path": slashed},
                "error": "redirect",
            },
            status=308,
        )
        response["Location"] = location
        return response
    return JsonResponse(
        {
            "detail": _("No API endpoint at %(path)s.") % {"path": request.path},
            "error": "not_found",
        },
        status=404,
    )


def _resolves(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.func is not api_fallback
