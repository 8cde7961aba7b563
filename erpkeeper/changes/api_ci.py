"""CI webhooks: ``POST /api/v1/changes/ci/<source>/`` for generic, gitlab, github and jenkins.

They are not called by users but by CI servers, authenticated by each source's own secret
(``erpkeeper change ci-secret SOURCE``): GitHub's ``X-Hub-Signature-256``, GitLab's
``X-Gitlab-Token``, a bearer token for generic JSON and Jenkins. A missing or wrong secret is a
401, a payload that is not what the source sends a 400; both write nothing.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from erpkeeper.changes.ci import PayloadError, Unauthenticated
from erpkeeper.changes.models import CiSource
from erpkeeper.changes.services.ci import receive


class RawBodyParser(BaseParser):
    """Leaves the body as bytes: GitHub signs the exact bytes it sent."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class CiWebhookView(APIView):
    source = ""
    authentication_classes: list = []
    permission_classes = [AllowAny]  # the source's secret is checked in the service
    parser_classes = [RawBodyParser]

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        body = request.body
        try:
            run = receive(self.source, request.headers, body)
        except Unauthenticated as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_401_UNAUTHORIZED)
        except PayloadError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        if run is None:
            return Response({"recorded": False, "detail": "not a pipeline run: ignored"})
        return Response(
            {
                "recorded": True,
                "id": run.pk,
                "status": run.status,
                "change": run.change.number if run.change else None,
                "target": run.target.name if run.target else None,
            }
        )


def _view(source: str):
    view_class = type(f"{source.capitalize()}CiWebhookView", (CiWebhookView,), {"source": source})
    return view_class.as_view()


urlpatterns = [
    path(f"changes/ci/{source}/", _view(source), name=f"changes-ci-{source}")
    for source in CiSource.values
]
