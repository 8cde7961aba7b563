"""Demo changes: a few past changes with their outcomes (so the metrics and the calendar show
something), one scheduled into the demo target's next maintenance window, one waiting for the
board, a standard-change template, and the blackout windows of the Spring Festival 2027 and the
next month-end closes. Idempotent: nothing is made when the demo template exists.

Past changes go through the same services as real ones; their dates are then moved into the
past (a history cannot be lived in the past, only written there).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from erpkeeper.changes import services
from erpkeeper.changes.models import BlackoutWindow, ChangeRequest, ChangeTemplate
from erpkeeper.core.audit import audit_context
from erpkeeper.targets.models import Target
from erpkeeper.targets.windows import next_start

TEMPLATE = "Restart the ERP server"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
CALM = {"users": "some", "downtime": "short", "data": "none", "tested": "yes", "backout": "easy"}
# (title, days ago, outcome, emergency)
PAST = (
    ("Activate the sale_history module", 75, "implemented", False),
    ("Raise PostgreSQL shared_buffers to 2 GB", 52, "implemented", False),
    ("Fix the VAT rounding of invoices", 40, "failed", True),
    ("Update trytond to the latest 8.2 patch", 26, "implemented", False),
    ("New stock location for the Suzhou warehouse", 12, "backed_out", False),
    ("Add the purchase_history module", 5, "implemented", False),
)


def ensure_demo_changes(now: dt.datetime | None = None) -> int:
    """Make the demo changes unless they are there; returns how many changes were made."""
    target = Target.objects.order_by("pk").first()
    if target is None or ChangeTemplate.objects.filter(name=TEMPLATE).exists():
        return 0
    now = now or timezone.now()
    with audit_context(actor_name="system:demo", source="system"), transaction.atomic():
        _blackouts(now)
        template = ChangeTemplate.objects.create(
            name=TEMPLATE,
            description="Restart trytond to apply a configuration change.",
            implementation_plan="systemctl restart trytond",
            test_plan="Sign in and open a sale.",
            backout_plan="Start the previous configuration again.",
            checklist=["Warn the users", "Restart trytond", "Sign in and open a sale"],
            risk_answers=CALM,
        )
        made = [_past(target, *row, now=now) for row in PAST]
        made += _upcoming(target, template, now)
    return len(made)


def _blackouts(now: dt.datetime) -> None:
    BlackoutWindow.objects.create(
        name="春节封网 Spring Festival 2027",
        start=dt.datetime(2027, 2, 4, tzinfo=SHANGHAI),
        end=dt.datetime(2027, 2, 13, tzinfo=SHANGHAI),
        reason="Spring Festival holiday (6 to 12 February 2027): nobody on site to help users.",
    )
    month = timezone.localtime(now, SHANGHAI).date().replace(day=1)
    for _index in range(6):
        following = (month + dt.timedelta(days=32)).replace(day=1)
        BlackoutWindow.objects.create(
            name=f"月结 Month-end close {month:%Y-%m}",
            start=dt.datetime.combine(following - dt.timedelta(days=2), dt.time(), SHANGHAI),
            end=dt.datetime.combine(following + dt.timedelta(days=1), dt.time(12), SHANGHAI),
            reason="Finance closes the period: no change to the ERP.",
        )
        month = following


def _past(target, title, days_ago, outcome, emergency, *, now) -> ChangeRequest:
    change = services.create_change(
        title=title,
        targets=[target],
        change_type="emergency" if emergency else "normal",
        backout_plan="Restore the safety backup.",
        risk_answers=CALM,
    )
    services.submit(change)
    change.state = "approved"
    change.save()
    if emergency:
        services.start(change)
    else:
        _scheduled_start(change)
    services.complete(change, outcome, "demo history")
    services.review(change, success=outcome == "implemented", lessons="Demo review.")
    services.close(change)
    start = now - dt.timedelta(days=days_ago)
    ChangeRequest.objects.filter(pk=change.pk).update(
        created=start - dt.timedelta(days=3),
        submitted_at=start - dt.timedelta(days=3),
        decided_at=start - dt.timedelta(days=2),
        planned_start=start,
        planned_end=start + dt.timedelta(hours=2),
        actual_start=start,
        actual_end=start + dt.timedelta(hours=1, minutes=20),
        reviewed_at=start + dt.timedelta(days=1),
        closed_at=start + dt.timedelta(days=1),
    )
    return change


def _scheduled_start(change: ChangeRequest) -> None:
    # The state machine insists on a schedule before a start; a past one is written directly.
    change.state = "scheduled"
    change.save()
    services.start(change)


def _upcoming(target, template, now) -> list[ChangeRequest]:
    upgrade = services.create_change(
        title="Upgrade Tryton 8.2 to 8.4",
        targets=[target],
        backout_plan="Restore the safety backup taken before the window.",
        implementation_plan="pip install 'trytond>=8.4,<8.5'; trytond-admin -u ir --all",
        risk_answers={**CALM, "downtime": "long", "data": "schema", "tested": "partly"},
        checklist=["Announce the downtime", "Upgrade", "Run the invariants", "Smoke test"],
    )
    services.submit(upgrade)
    standard = services.create_change(
        title="Restart the ERP server after the log rotation fix",
        targets=[target],
        template=template,
    )
    services.submit(standard)  # pre-approved: approved at once
    scheduled = services.create_change(
        title="Activate the account_invoice_history module",
        targets=[target],
        backout_plan="Deactivate the module.",
        risk_answers=CALM,
        checklist=["Activate the module", "Open an invoice"],
    )
    services.submit(scheduled)
    scheduled.state = "approved"
    scheduled.save()
    window = target.maintenance_windows.first()
    if window is not None:
        opens = next_start(window, now + dt.timedelta(hours=2))
        # When a blackout covers the next window the change stays approved.
        with contextlib.suppress(ValidationError):
            services.schedule(scheduled, opens, opens + dt.timedelta(hours=1), now=now)
    return [upgrade, standard, scheduled]
