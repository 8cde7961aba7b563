"""Job kinds of the core app. The ``core.test.*`` kinds exist only when ERPKEEPER_TESTING is on:
they let tests drive real workers (sleep, fail) without touching an ERP.
"""

from __future__ import annotations

import os
import time

from django.conf import settings

from erpkeeper.core.audit import current_context
from erpkeeper.core.jobs.context import JobContext, JobError
from erpkeeper.core.jobs.registry import job_kind

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
