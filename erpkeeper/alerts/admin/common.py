"""What the alert console pages share: badges, the services, going back where one came from."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme

# Inline colours: unfold's pre-built stylesheet lacks some classes.
SEVERITY_COLORS = {"critical": "#dc2626", "warning": "#d97706"}
STATE_VARIANTS = {"firing": "danger", "pending": "warning", "resolved": "success"}
SEVERITY_VARIANTS = {"critical": "danger", "warning": "warning"}


def badge(variant: str | None, text) -> str:
    """A coloured label that also works on read-only detail pages."""
    return render_to_string("unfold/helpers/label.html", {"text": text, "variant": variant})


def back_to(request, fallback: str) -> HttpResponse:
    """Where the action was started from (``?next=``, e.g. a target's page), else ``fallback``;
    htmx dialogs navigate through HX-Redirect rather than swapping the answer in."""
    wanted = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    url = wanted if wanted and allowed else fallback
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
