"""Warranty, end-of-life and licence expiry notices at 90, 30 and 7 days, through core.outbox.

Run daily. For each date in the next 90 days, the tightest threshold reached fires once per
object and date (``AssetNotice``): a first run 5 days before sends the 7-day notice only, not
three at once, and a new warranty date starts again. The outbox's key names the object, the
date and the threshold, so two assets never merge into one message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.assets.models import (
    Asset,
    AssetNotice,
    AssetStatus,
    NoticeKind,
    SoftwareLicence,
)
from erpkeeper.core import outbox

THRESHOLDS = (7, 30, 90)  # tightest first
SOURCE = "assets"


@dataclass(frozen=True)
class Due:
    kind: str
    obj: object
    due: dt.date
    days: int  # the threshold reached


def threshold_for(days_left: int) -> int | None:
    return next((t for t in THRESHOLDS if 0 <= days_left <= t), None)


def due_notices(today: dt.date) -> list[Due]:
    horizon = today + dt.timedelta(days=max(THRESHOLDS))
    found = []
    live = Asset.objects.exclude(status=AssetStatus.RETIRED)
    for field, kind in (
        ("warranty_end", NoticeKind.WARRANTY),
        ("end_of_life", NoticeKind.END_OF_LIFE),
    ):
        for asset in live.filter(**{f"{field}__gte": today, f"{field}__lte": horizon}):
            date = getattr(asset, field)
            found.append(Due(kind, asset, date, threshold_for((date - today).days)))
    for licence in SoftwareLicence.objects.filter(expiry__gte=today, expiry__lte=horizon):
        found.append(
            Due(
                NoticeKind.LICENCE,
                licence,
                licence.expiry,
                threshold_for((licence.expiry - today).days),
            )
        )
    return found


def raise_due_notices(today: dt.date | None = None) -> int:
    """Post the notices due today that were not posted yet; how many were posted."""
    today = today or timezone.localdate()
    posted = 0
    for due in due_notices(today):
        if _claim(due):
            _post(due, today)
            posted += 1
    return posted


def _claim(due: Due) -> bool:
    try:
        with transaction.atomic():
            AssetNotice.objects.create(
                kind=due.kind, object_id=due.obj.pk, due=due.due, threshold_days=due.days
            )
    except IntegrityError:
        return False  # this threshold already fired for this date
    return True


def _post(due: Due, today: dt.date) -> None:
    days_left = (due.due - today).days
    params = {"name": str(due.obj), "date": due.due.isoformat(), "days": days_left}
    subjects = {
        NoticeKind.WARRANTY: _("Warranty of %(name)s ends on %(date)s (in %(days)s days)"),
        NoticeKind.END_OF_LIFE: _(
            "%(name)s reaches its end of life on %(date)s (in %(days)s days)"
        ),
        NoticeKind.LICENCE: _("Licence %(name)s expires on %(date)s (in %(days)s days)"),
    }
    is_asset = isinstance(due.obj, Asset)
    link = reverse(
        "admin:assets_asset_change" if is_asset else "admin:assets_softwarelicence_change",
        args=[due.obj.pk],
    )
    outbox.raise_alert(
        source=SOURCE,
        event=f"{due.kind}:{due.obj.pk}:{due.due.isoformat()}:{due.days}d",
        subject=subjects[due.kind] % params,
        severity=outbox.OutboxMessage.Severity.WARNING
        if due.days > 7
        else outbox.OutboxMessage.Severity.CRITICAL,
        target=due.obj.targets.first() if is_asset else None,
        body=_("Renew, extend or plan the replacement before that date."),
        link=link,
    )
