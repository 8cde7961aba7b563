"""The automatic off-peak hour: the quietest hour of the target's ERP over the last 28 days."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.backups.models import BackupPolicy
from erpkeeper.targets.adapters import open_adapter

HISTORY_DAYS = 28
DEFAULT_HOUR = 2  # local time, when the ERP has no recorded activity yet


def quietest_hour(events_times, time_zone: str) -> tuple[int, str]:
    """The hour (0-23, local) with the fewest events; ties go to the hour nearest 02:00."""
    zone = zoneinfo.ZoneInfo(time_zone)
    per_hour = Counter(moment.astimezone(zone).hour for moment in events_times)
    total = sum(per_hour.values())
    if not total:
        return DEFAULT_HOUR, _("no ERP activity recorded in the last 28 days: default 02:00")
    hour = min(range(24), key=lambda h: (per_hour[h], _distance_from_default(h)))
    basis = _("%(events)d ERP events in %(days)d days; %(count)d at %(hour)02d:00") % {
        "events": total,
        "days": HISTORY_DAYS,
        "count": per_hour[hour],
        "hour": hour,
    }
    return hour, basis


def recompute_offpeak_hour(policy: BackupPolicy, now: dt.datetime | None = None) -> int:
    """Read the ERP's activity (read-only) and store the quietest hour on the policy."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=HISTORY_DAYS)
    target = policy.target
    with open_adapter(target.kind, target.database_url, target.file_store_path) as adapter:
        times = [event.time for event in adapter.events(since=since) if event.time is not None]
    hour, basis = quietest_hour(_aware(times), settings.TIME_ZONE)
    BackupPolicy.objects.filter(pk=policy.pk).update(
        auto_hour=hour, auto_hour_computed=now, auto_hour_basis=basis[:255]
    )
    policy.refresh_from_db()
    return hour


def _aware(times):
    for moment in times:
        if timezone.is_naive(moment):
            # Tryton stores UTC timestamps without a zone.
            moment = moment.replace(tzinfo=dt.UTC)
        yield moment


def _distance_from_default(hour: int) -> int:
    return min((hour - DEFAULT_HOUR) % 24, (DEFAULT_HOUR - hour) % 24)
