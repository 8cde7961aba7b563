"""An asset's health score (0-100) from its faults and degradation, the replacement it proposes
when the score is low, and the replacement budget per quarter.

The score starts at 100 and each finding takes points off (``PENALTIES``); the reasons are kept
on the asset as codes with their numbers and shown translated (``reason_text``). Weights are
plain numbers here on purpose: they are a team's judgement, written down in docs/assets.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erpkeeper.assets.models import (
    OPEN_PLAN_STATES,
    Asset,
    AssetStatus,
    InspectionState,
    PlanState,
    ReplacementPlan,
    SmartHealth,
)

TEMPERATURE_LIMIT_C = 55  # above this a disk ages fast (most vendors rate 0-60 °C)
REPLACEMENT_THRESHOLD = 50  # a score below this proposes a replacement
INSPECTION_WINDOW = dt.timedelta(days=365)
PENALTIES = {
    "smart_failed": 40,
    "reallocated_rising": 25,
    "reallocated": 5,
    "hot": 10,
    "past_life": 25,
    "near_life": 10,
    "past_eol": 15,
    "failed_inspection": 10,  # each, at most two counted
    "past_warranty": 10,
    "broken": 50,
}
REASON_TEXT = {
    "smart_failed": gettext_lazy("Disk %(device)s: SMART health check failed"),
    "reallocated_rising": gettext_lazy(
        "Disk %(device)s: reallocated sectors rising (%(before)s → %(now)s)"
    ),
    "reallocated": gettext_lazy("Disk %(device)s: %(now)s reallocated sectors"),
    "hot": gettext_lazy("Disk %(device)s: %(temperature)s °C, above %(limit)s °C"),
    "past_life": gettext_lazy("%(age)s years old, past its expected life of %(life)s years"),
    "near_life": gettext_lazy("%(age)s years old, near its expected life of %(life)s years"),
    "past_eol": gettext_lazy("Past its end-of-life date (%(date)s)"),
    "failed_inspection": gettext_lazy("Inspection on %(date)s found issues"),
    "past_warranty": gettext_lazy("Out of warranty since %(date)s"),
    "broken": gettext_lazy("Marked broken"),
}


def reason_text(reason: dict) -> str:
    template = REASON_TEXT.get(reason.get("code"), "")
    return str(template) % reason.get("params", {}) if template else str(reason.get("code"))


def _reason(code: str, **params) -> dict:
    return {"code": code, "points": PENALTIES[code], "params": params}


def disk_reasons(asset: Asset) -> list[dict]:
    reasons = []
    for disk in asset.disks.all():
        readings = list(disk.observations.order_by("-observed_at")[:2])
        latest = readings[0] if readings else disk
        if latest.smart_health == SmartHealth.FAILED:
            reasons.append(_reason("smart_failed", device=disk.device))
        now_count = latest.reallocated_sectors
        before = readings[1].reallocated_sectors if len(readings) > 1 else None
        if now_count is not None and before is not None and now_count > before:
            reasons.append(
                _reason("reallocated_rising", device=disk.device, before=before, now=now_count)
            )
        elif now_count:
            reasons.append(_reason("reallocated", device=disk.device, now=now_count))
        if latest.temperature_c is not None and latest.temperature_c > TEMPERATURE_LIMIT_C:
            reasons.append(
                _reason(
                    "hot",
                    device=disk.device,
                    temperature=latest.temperature_c,
                    limit=TEMPERATURE_LIMIT_C,
                )
            )
    return reasons


def age_reasons(asset: Asset, today: dt.date) -> list[dict]:
    reasons = []
    if asset.purchase_date and asset.expected_life_years:
        age = (today - asset.purchase_date).days / 365.25
        params = {"age": round(age, 1), "life": asset.expected_life_years}
        if age >= asset.expected_life_years:
            reasons.append(_reason("past_life", **params))
        elif age >= 0.8 * asset.expected_life_years:
            reasons.append(_reason("near_life", **params))
    if asset.end_of_life and asset.end_of_life < today:
        reasons.append(_reason("past_eol", date=asset.end_of_life.isoformat()))
    if asset.warranty_end and asset.warranty_end < today:
        reasons.append(_reason("past_warranty", date=asset.warranty_end.isoformat()))
    return reasons


def inspection_reasons(asset: Asset, today: dt.date) -> list[dict]:
    failed = asset.inspections.filter(
        state=InspectionState.FAILED, done_at__date__gte=today - INSPECTION_WINDOW
    ).order_by("-done_at")[:2]
    return [_reason("failed_inspection", date=i.done_at.date().isoformat()) for i in failed]


def health_of(asset: Asset, today: dt.date | None = None) -> tuple[int, list[dict]]:
    """(score 0-100, reasons) for the asset as it is now."""
    today = today or timezone.localdate()
    reasons = disk_reasons(asset) + age_reasons(asset, today) + inspection_reasons(asset, today)
    if asset.status == AssetStatus.BROKEN:
        reasons.append(_reason("broken"))
    score = max(0, 100 - sum(r["points"] for r in reasons))
    return score, reasons


@transaction.atomic
def refresh_health(asset: Asset, today: dt.date | None = None) -> int:
    """Recompute and store the asset's score; propose a replacement when it is low."""
    score, reasons = health_of(asset, today)
    Asset.objects.filter(pk=asset.pk).update(health_score=score, health_reasons=reasons)
    asset.health_score, asset.health_reasons = score, reasons
    if score < REPLACEMENT_THRESHOLD and asset.status != AssetStatus.RETIRED:
        propose_replacement(asset, today)
    return score


def refresh_all(today: dt.date | None = None) -> int:
    """The daily pass: every asset in service gets its score again (age moves on)."""
    count = 0
    for asset in Asset.objects.exclude(status=AssetStatus.RETIRED):
        refresh_health(asset, today)
        count += 1
    return count


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def next_quarter(day: dt.date) -> str:
    year, quarter = day.year, (day.month - 1) // 3 + 2
    return f"{year + 1}Q1" if quarter > 4 else f"{year}Q{quarter}"


def propose_replacement(asset: Asset, today: dt.date | None = None) -> ReplacementPlan | None:
    """A proposed replacement next quarter at the asset's cost, unless one is already open."""
    if asset.replacements.filter(state__in=OPEN_PLAN_STATES).exists():
        return None
    today = today or timezone.localdate()
    reasons = "; ".join(reason_text(r) for r in asset.health_reasons)
    return ReplacementPlan.objects.create(
        asset=asset,
        quarter=next_quarter(today),
        estimated_cost=asset.cost or Decimal("0"),
        reason=(
            _("Health %(score)s: %(reasons)s") % {"score": asset.health_score, "reasons": reasons}
        )[:500],
    )


def budget_by_quarter() -> list[dict]:
    """``[{"quarter", "planned", "done", "count"}]`` in quarter order (cancelled ones left out)."""
    rows = (
        ReplacementPlan.objects.exclude(state=PlanState.CANCELLED)
        .values("quarter", "state")
        .annotate(total=Sum("estimated_cost"))
    )
    totals: dict[str, dict] = defaultdict(lambda: {"planned": Decimal(0), "done": Decimal(0)})
    for row in rows:
        part = "done" if row["state"] == PlanState.DONE else "planned"
        totals[row["quarter"]][part] += row["total"] or Decimal(0)
    counts = defaultdict(int)
    for quarter in ReplacementPlan.objects.exclude(state=PlanState.CANCELLED).values_list(
        "quarter", flat=True
    ):
        counts[quarter] += 1
    return [
        {"quarter": q, "planned": t["planned"], "done": t["done"], "count": counts[q]}
        for q, t in sorted(totals.items())
    ]
