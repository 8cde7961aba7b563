"""``POST /api/v1/metrics/ingest/``: where agents push their batches, with their host token.

    Authorization: Bearer ekh_…
    {"host": "db1", "seq": 42, "agent_version": "0.1.0", "instance": "<the agent's random id>",
     "samples": [{"metric": "host.cpu.percent", "value": 12.5, "time": 1732460000.0,
                  "labels": {}, "target": null, "unit": "%"}]}

Answers ``202 {"accepted", "duplicates", "seq"}`` (a replay, nothing stored, adds ``"replay": true``
and ``"last_seq"``, the agent instance's last number, so that the agent renumbers); otherwise
``{"detail": "<one line>"}`` with 401 (no or wrong token, or a host name that is not the
token's), 400 (not JSON, wrong shape), 413 (over 5,000 samples or 2 MB) or 422 (invalid
samples; with ``"unknown_targets": [names]`` when samples name targets the server does not
have), and nothing is stored.

The body is read and parsed here, not by DRF's parsers: this endpoint takes the most traffic,
and the size must be checked before the body is read.
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from erpkeeper.monitoring.models import Host
from erpkeeper.monitoring.tsdb.ingest import IngestError, MetricSample, ingest
from erpkeeper.monitoring.tsdb.tokens import host_for_token

MAX_SAMPLES = 5_000
MAX_BODY_BYTES = 2 * 1024 * 1024
UTC = dt.UTC


class BadBatch(Exception):
    def __init__(self, message: str, status_code: int):
        super().__init__(message)
        self.status_code = status_code


class HostTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer ekh_…``: the request comes from that host (``request.auth``)."""

    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        host = host_for_token(parts[1].decode("ascii", "replace")) if len(parts) == 2 else None
        if host is None:
            raise exceptions.AuthenticationFailed(_("Invalid host token."))
        return AnonymousUser(), host

    def authenticate_header(self, request):
        return f'{self.keyword} realm="metrics"'


class IsHost(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, Host)


class HostTokenScheme(OpenApiAuthenticationExtension):
    target_class = "erpkeeper.monitoring.tsdb.http.HostTokenAuthentication"
    name = "hostToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "ekh_<prefix>_<secret>",
            "description": _("A monitored host's token (erpkeeper host add)."),
        }


IngestAnswer = inline_serializer(
    "IngestAnswer",
    {
        "accepted": serializers.IntegerField(),
        "duplicates": serializers.IntegerField(),
        "seq": serializers.IntegerField(allow_null=True),
        "replay": serializers.BooleanField(required=False),
        "last_seq": serializers.IntegerField(required=False),
    },
)
IngestBatch = inline_serializer(
    "IngestBatch",
    {
        "host": serializers.CharField(),
        "seq": serializers.IntegerField(required=False),
        "agent_version": serializers.CharField(required=False),
        "instance": serializers.CharField(required=False, max_length=64),
        "samples": serializers.ListField(child=serializers.DictField(), max_length=MAX_SAMPLES),
    },
)


class IngestViewSet(viewsets.ViewSet):
    """Agents push batches of samples here with their host token (not a user token)."""

    authentication_classes = [HostTokenAuthentication]
    permission_classes = [IsHost]

    @extend_schema(request=IngestBatch, responses={202: IngestAnswer})
    def create(self, request):
        host = request.auth
        try:
            batch = read_batch(request._request)
            if batch.get("host") != host.name:
                raise BadBatch(_("This token belongs to another host."), 401)
            samples = parse_samples(batch["samples"])
            result = ingest(
                host,
                samples,
                batch_seq=batch["seq"],
                agent_version=batch["agent_version"],
                instance=batch["instance"],
            )
        except BadBatch as exc:
            return Response({"detail": str(exc)}, status=exc.status_code)
        except IngestError as exc:
            answer = {"detail": exc.message}
            if exc.unknown_targets:
                answer["unknown_targets"] = exc.unknown_targets
            return Response(answer, status=exc.status)
        answer = {"accepted": result.accepted, "duplicates": result.duplicates, "seq": batch["seq"]}
        if result.replay:
            answer.update(replay=True, last_seq=result.last_seq)
        return Response(answer, status=status.HTTP_202_ACCEPTED)


def read_batch(request) -> dict:
    """The request's JSON batch, its size checked before and while reading."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise BadBatch(_("The batch is larger than 2 MB; send smaller batches."), 413)
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise BadBatch(_("The batch is larger than 2 MB; send smaller batches."), 413)
    try:
        batch = json.loads(body)
    except ValueError:
        raise BadBatch(_("The body is not valid JSON."), 400) from None
    return checked_shape(batch)


def checked_shape(batch) -> dict:
    if not isinstance(batch, dict) or not isinstance(batch.get("samples"), list):
        raise BadBatch(_("Expected an object with a list of samples."), 400)
    seq = batch.get("seq")
    if seq is not None and (type(seq) is not int or seq < 0):
        raise BadBatch(_("seq must be a whole number."), 400)
    version = batch.get("agent_version") or ""
    if not isinstance(version, str):
        raise BadBatch(_("agent_version must be text."), 400)
    instance = batch.get("instance") or ""
    if not isinstance(instance, str) or len(instance) > 64:
        raise BadBatch(_("instance must be text of at most 64 characters."), 400)
    if len(batch["samples"]) > MAX_SAMPLES:
        raise BadBatch(_("More than 5,000 samples in one batch; send smaller batches."), 413)
    return {**batch, "seq": seq, "agent_version": version, "instance": instance}


def parse_samples(items: list) -> list[MetricSample]:
    samples = []
    for index, item in enumerate(items):
        try:
            value = item["value"]
            if type(value) not in (float, int):
                raise TypeError
            samples.append(
                MetricSample(
                    item["metric"],
                    value,
                    parse_time(item["time"], index),
                    item.get("labels") or {},
                    item.get("target"),
                    item.get("unit") or "",
                )
            )
        except (KeyError, TypeError):
            raise BadBatch(
                _("sample %(index)d: expected metric, a numeric value and time") % {"index": index},
                400,
            ) from None
    return samples


def parse_time(value, index: int) -> dt.datetime:
    """Unix seconds or ISO 8601 with an offset; TypeError for other types."""
    if type(value) in (float, int):
        try:
            return dt.datetime.fromtimestamp(value, UTC)
        except (ValueError, OverflowError, OSError):
            pass
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return moment
    else:
        raise TypeError
    raise IngestError(
        _("sample %(index)d: time %(time)r is not unix seconds or ISO 8601 with an offset")
        % {"index": index, "time": value}
    )


def agent_command(host_name: str, token: str, request=None) -> str:
    """The command to run on the host. The token goes in the environment, not the arguments,
    so that it does not show in the process list."""
    server = settings.PUBLIC_URL or (request.build_absolute_uri("/") if request else "")
    server = server.rstrip("/") or "http://ERPKEEPER-SERVER:8000"
    return f"ERPKEEPER_AGENT_TOKEN={token} erpkeeper agent --server {server} --name {host_name}"
