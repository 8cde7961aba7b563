"""Job kinds of the core app: housekeeping (daily). The ``core.test.*`` kinds exist only when
ERPKEEPER_TESTING is on: they let tests drive real workers (sleep, fail) without touching an ERP.
"""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from erpkeeper.core.audit import current_context
from erpkeeper.core.housekeeping import HousekeepingError, prune_history
from erpkeeper.core.jobs.context import JobContext, JobError
from erpkeeper.core.jobs.registry import job_kind
from erpkeeper.core.scheduler import register_periodic


@job_kind("core.housekeeping", label=_("Delete old job runs and notifications"))
def housekeeping(ctx: JobContext) -> None:
    """``prune_history`` with ``days`` from the params (default: ERPKEEPER_KEEP_HISTORY_DAYS)."""

    def between_batches(name: str, deleted: int) -> None:
        ctx.check_cancelled()
        ctx.log(f"{name}: {deleted} deleted so far")

    try:
        counts = prune_history(days=ctx.params.get("days"), on_batch=between_batches)
    except HousekeepingError as exc:
        raise JobError(str(exc)) from None
    ctx.result.update(counts)
    ctx.log(", ".join(f"{name}: {count} deleted" for name, count in counts.items()))


register_periodic("core.housekeeping", "41 3 * * *", kind="core.housekeeping")

if getattr(settings, "TESTING", False):

    @job_kind("core.test.sleep", label="Sleep (tests only)")
    def sleep_for_tests(ctx: JobContext) -> None:
        """Sleep ``seconds`` in small steps, reporting progress and honouring cancellation."""
        seconds = float(ctx.params.get("seconds", 1))
        steps = max(1, int(seconds / 0.1))
        ctx.log(f"sleeping {seconds} s")
        for step in range(steps):
            time.sleep(seconds / steps)
            ctx.progress(100 * (step + 1) / steps, f"step {step + 1} of {steps}")
        audit = current_context()
        ctx.result.update(
            pid=os.getpid(), actor=audit.actor_name, source=audit.source, slept=seconds
        )

    @job_kind("core.test.fail", label="Fail (tests only)")
    def fail_for_tests(ctx: JobContext) -> None:
        ctx.log("about to fail")
        if ctx.params.get("expected", True):
            raise JobError("the test asked this job to fail")
        raise RuntimeError("unexpected failure for tests")
