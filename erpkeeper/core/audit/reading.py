"""Reading the trail: filters and streamed CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator

from django.utils.translation import gettext as _

# --- reading: filters and CSV ----------------------------------------------------------------


def parse_when(text, *, end: bool = False) -> dt.datetime:
    """An ISO date or date-time (naive = the platform's time zone). A bare date used as the
    end of a range covers that whole day."""
    from django.utils import timezone
    from django.utils.dateparse import parse_date, parse_datetime

    if isinstance(text, dt.datetime):
        value = text
    else:
        text = str(text).strip()
        try:
            value = parse_datetime(text)
            day = None if value is not None else parse_date(text)
        except ValueError:
            value = day = None
        if value is None and day is None:
            raise ValueError(_("not an ISO date or date-time: %(value)s") % {"value": text})
        if value is None:
            value = dt.datetime.combine(day, dt.time.min)
            if end:
                value += dt.timedelta(days=1)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def filter_entries(
    queryset=None,
    *,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    source: str | None = None,
    request_id: str | None = None,
    since=None,
    until=None,
):
    """The entries matching all given filters (None or "" = no filter). ValueError if bad."""
    from django.db.models import Q

    from erpkeeper.core.models import AuditEntry

    queryset = AuditEntry.objects.all() if queryset is None else queryset
    if actor:
        match = Q(actor_name__iexact=actor)
        if str(actor).isdigit() and int(actor) <= MAX_USER_ID:  # bigger: a name, not an id
            match |= Q(actor_id=int(actor))
        queryset = queryset.filter(match)
    if action:
        if action not in AuditEntry.Action.values:
            raise ValueError(
                _("unknown action %(value)s (create, update or delete)") % {"value": action}
            )
        queryset = queryset.filter(action=action)
    if object_type:
        queryset = queryset.filter(object_type=object_type.lower())
    for name, value in (("object_id", object_id), ("source", source), ("request_id", request_id)):
        if value:
            queryset = queryset.filter(**{name: value})
    if since:
        queryset = queryset.filter(time__gte=parse_when(since))
    if until:
        queryset = queryset.filter(time__lt=parse_when(until, end=True))
    return queryset


MAX_USER_ID = 2**63 - 1  # a bigger number overflows the database driver

CSV_COLUMNS = [
    "sequence",
    "time",
    "actor",
    "actor_id",
    "source",
    "action",
    "object_type",
    "object_id",
    "object",
    "before",
    "after",
    "request_id",
    "prev_hash",
    "hash",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    def write(self, value):
        return value


def _cell(value) -> str:
    # Spreadsheets run cells starting with = + - @ as formulas: an object named "=cmd|..."
    # must not execute when the export is opened.
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def entry_row(entry) -> dict:
    return {
        "sequence": entry.sequence,
        "time": entry.time.isoformat(),
        "actor": entry.actor_name,
        "actor_id": entry.actor_id,
        "source": entry.source,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "request_id": entry.request_id,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def csv_lines(queryset, chunk_size: int = 2000) -> Iterator[str]:
    """The entries as CSV lines (header first), oldest first, reading in chunks."""
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    for entry in queryset.order_by("sequence").iterator(chunk_size=chunk_size):
        row = entry_row(entry)
        for key in ("before", "after"):
            value = row[key]
            row[key] = "" if value is None else json.dumps(value, ensure_ascii=False)
        for key in ("actor", "object_type", "object_id", "object", "request_id"):
            row[key] = _cell(row[key])
        yield writer.writerow([row[c] for c in CSV_COLUMNS])
