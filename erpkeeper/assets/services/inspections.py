"""Scheduled inspections (定期检查): each template applies to assets of its kind every N days;
an inspection's results are entered item by item (ok, or an issue with a note), which settles it
and schedules the next one. Inspections past their date and not done are overdue."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.assets.models import (
    Asset,
    AssetStatus,
    Inspection,
    InspectionResult,
    InspectionState,
    InspectionTemplate,
    ResultOutcome,
)
from erpkeeper.assets.services.health import refresh_health


def overdue(today: dt.date | None = None):
    today = today or timezone.localdate()
    return Inspection.objects.filter(state=InspectionState.DUE, due_date__lt=today)


@transaction.atomic
def schedule_inspections(today: dt.date | None = None) -> int:
    """Give every asset in use one open inspection per template that applies to it (due today
    for an asset never inspected); how many were scheduled. Run daily."""
    today = today or timezone.localdate()
    made = 0
    for template in InspectionTemplate.objects.all():
        assets = Asset.objects.filter(status=AssetStatus.IN_USE)
        if template.asset_kind:
            assets = assets.filter(kind=template.asset_kind)
        open_ids = Inspection.objects.filter(
            template=template, state=InspectionState.DUE
        ).values_list("asset_id", flat=True)
        for asset in assets.exclude(pk__in=open_ids):
            Inspection.objects.create(asset=asset, template=template, due_date=today)
            made += 1
    return made


def _parse_results(template: InspectionTemplate, results: list[dict]) -> list[InspectionResult]:
    by_item = {}
    for given in results:
        item = str(given.get("item", "")).strip()
        outcome = given.get("outcome")
        note = str(given.get("note") or "").strip()
        if item not in template.items:
            raise ValidationError({"results": _("Not on the checklist: %(item)s") % {"item": item}})
        if outcome not in ResultOutcome.values:
            raise ValidationError({"results": _("%(item)s: give ok or issue") % {"item": item}})
        if outcome == ResultOutcome.ISSUE and not note:
            raise ValidationError(
                {"results": _("%(item)s: say what the issue is in a note") % {"item": item}}
            )
        by_item[item] = InspectionResult(item=item, outcome=outcome, note=note[:500])
    missing = [item for item in template.items if item not in by_item]
    if missing:
        raise ValidationError(
            {"results": _("No result for: %(items)s") % {"items": ", ".join(missing)}}
        )
    return [by_item[item] for item in template.items]


@transaction.atomic
def complete_inspection(inspection: Inspection, results: list[dict], *, actor=None, note=""):
    """Record every checklist item's result: the inspection passes when all are ok, fails
    otherwise; the next one is due ``frequency_days`` after today. Returns the next one."""
    if inspection.state != InspectionState.DUE:
        raise ValidationError(_("This inspection is already done."))
    rows = _parse_results(inspection.template, results)
    for row in rows:
        row.inspection = inspection
        row.save()
    failed = any(row.outcome == ResultOutcome.ISSUE for row in rows)
    inspection.state = InspectionState.FAILED if failed else InspectionState.PASSED
    inspection.done_at = timezone.now()
    inspection.inspector = actor if getattr(actor, "pk", None) else None
    inspection.note = note
    inspection.save()
    refresh_health(inspection.asset)
    following = Inspection.objects.filter(
        Q(asset=inspection.asset, template=inspection.template, state=InspectionState.DUE)
    ).first()
    if following is None:
        following = Inspection.objects.create(
            asset=inspection.asset,
            template=inspection.template,
            due_date=timezone.localdate() + dt.timedelta(days=inspection.template.frequency_days),
        )
    return following
