"""The rota's iCal feed: read by calendar apps, which have no session. The token in the
address is the credential (only its hash is stored); an unknown token is a plain 404."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from erpkeeper.accounts.teams import services

ICAL_CONTENT_TYPE = "text/calendar; charset=utf-8"


@require_GET
def rota_feed(request, token: str):
    rota = services.rota_for_token(token)
    if rota is None:
        raise Http404
    response = HttpResponse(services.ical_feed(rota), content_type=ICAL_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="on-call-{rota.pk}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
