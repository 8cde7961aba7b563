"""``erpkeeper compliance controls|results|assess`` (registered by compliance.cli).

erpkeeper compliance controls                     (each control with its latest status)
erpkeeper compliance assess --framework PIPL      (runs here as a job; --no-wait queues it)
erpkeeper compliance assess                       (every loaded framework)
"""

from __future__ import annotations

from erpkeeper.core.audit import acting_user
from erpkeeper.core.jobs.cli import describe, run_here
from erpkeeper.governance.compliance import services
from erpkeeper.governance.compliance.models import Control, ControlResult, Framework
from erpkeeper.lib.cli import emit, find_one, table

CONTROL_COLUMNS = ["ref", "status", "collectors", "requirements", "name"]


def register(areas, may) -> None:
    controls = areas.add_parser("controls", help="controls with their latest status")
    controls.set_defaults(handler=lambda args: handle_controls(args, may))
    assess = areas.add_parser("assess", help="evaluate controls and assess frameworks (a job)")
    assess.add_argument("--framework", metavar="REF", help="a framework's ref_id, e.g. PIPL")
    assess.add_argument("--no-wait", action="store_true", help="queue for the worker and return")
    assess.set_defaults(handler=lambda args: handle_assess(args, may))


def handle_controls(args, may) -> int:
    may("view", "control")
    rows = [control_row(control) for control in Control.objects.order_by("ref")]
    emit(args, rows, table(rows, CONTROL_COLUMNS))
    return 0


def control_row(control: Control) -> dict:
    latest = ControlResult.objects.filter(control=control).order_by("-evaluated_at").first()
    statuses = []
    if latest is not None:
        statuses = control.results.filter(evaluated_at=latest.evaluated_at).values_list(
            "status", flat=True
        )
    return {
        "ref": control.ref,
        "name": control.name,
        "status": services.combine(list(statuses)) if latest else "",
        "collectors": ", ".join(control.collectors) or "manual",
        "requirements": control.requirements.count(),
        "owner": control.owner.get_username() if control.owner else "",
        "evaluated_at": latest.evaluated_at.isoformat(timespec="seconds") if latest else "",
    }


def handle_assess(args, may) -> int:
    may("add", "assessment")
    framework = None
    if args.framework:
        framework = find_one(Framework.objects, "framework", ref_id=args.framework)
    asked = services.request_assessment(framework, actor=acting_user())
    if args.no_wait:
        emit(args, describe(asked.job, with_log=False), f"queued job {asked.job.pk}")
        return 0
    return run_here(args, asked.job)
