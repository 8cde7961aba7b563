"""Rollups every minute (inline in the scheduler: small, and no Job row a minute) and the daily
retention (a job: it may delete millions of rows the first time, and its log is worth keeping)."""

from django.utils.translation import gettext_lazy as _

from erpkeeper.core.jobs import job_kind
from erpkeeper.core.scheduler import register_periodic
from erpkeeper.monitoring.tsdb.rollups import apply_retention, roll_up


@job_kind("monitoring.retention", label=_("Delete old metrics"))
def retention_job(ctx):
    def between_batches(deleted: int) -> None:
        ctx.check_cancelled()
        ctx.log(f"{deleted} rows deleted so far")

    counts = apply_retention(on_batch=between_batches)
    ctx.result.update(samples=counts.samples, rollups=counts.rollups)
    rollups = ", ".join(f"{n} of {seconds} s" for seconds, n in counts.rollups.items())
    ctx.log(f"deleted {counts.samples} raw samples and rollups: {rollups}")


register_periodic(
    "monitoring.rollups",
    "* * * * *",
    call=roll_up,
    description="roll closed minutes of raw samples and closed hours of minutes into rollups",
)
register_periodic("monitoring.retention", "23 3 * * *", kind="monitoring.retention")
