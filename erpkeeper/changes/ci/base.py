"""What every CI reader shares: the parsed run, the errors, bearer tokens, time parsing."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _


class PayloadError(ValueError):
    """The payload is not what this source sends (the API answers 400 with the message)."""


class Unauthenticated(Exception):
    """Missing or wrong secret or signature (401)."""


@dataclass
class ParsedRun:
    external_id: str
    repository: str
    status: str  # a PipelineStatus value
    branch: str = ""
    commit: str = ""
    commit_message: str = ""
    url: str = ""
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    tests_total: int | None = None
    tests_failed: int | None = None
    tests_skipped: int | None = None
    change_number: str = ""  # given explicitly by the sender


class Reader:
    source = ""

    def authenticate(self, headers, body: bytes, secret: str) -> None:
        """Bearer token by default (generic JSON and Jenkins)."""
        given = headers.get("Authorization", "")
        scheme, _sep, token = given.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated(_("Send the source's secret as Authorization: Bearer <secret>."))
        if not same(token.strip(), secret):
            raise Unauthenticated(_("The bearer token does not match this source's secret."))

    def parse(self, headers, payload: dict) -> ParsedRun | None:
        raise NotImplementedError


def same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def need(data: dict, *path: str):
    """``data[path[0]][path[1]]...``, or PayloadError naming the missing key."""
    value = data
    for key in path:
        if not isinstance(value, dict) or value.get(key) in (None, ""):
            raise PayloadError(_("%(field)s is missing.") % {"field": ".".join(path)})
        value = value[key]
    return value


def moment(value) -> dt.datetime | None:
    """An ISO 8601 time, GitLab's "2026-03-01 10:00:00 UTC", or epoch milliseconds."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)
    text = str(value).strip().replace(" UTC", "+00:00")
    try:
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise PayloadError(_("%(value)s is not a time.") % {"value": str(value)[:40]})
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=dt.UTC)


def count(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise PayloadError(_("%(value)s is not a count.") % {"value": str(value)[:40]}) from None
    if number < 0:
        raise PayloadError(_("%(value)s is not a count.") % {"value": number})
    return number
