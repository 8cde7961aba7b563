"""Job kinds and schedules of governance.compliance (imported by erpkeeper.governance.jobs)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from erpkeeper.core.jobs import job_kind
from erpkeeper.core.scheduler import register_periodic
from erpkeeper.governance.compliance import services


@job_kind(services.ASSESS_KIND, label=_("Compliance assessment"))
def assess_job(ctx):
    ctx.progress(5, "evaluating controls")
    assessments = services.run_assessment_job(
        ctx.job.params or {}, actor=ctx.job.requested_by, progress=ctx.progress
    )
    ctx.result["assessments"] = [
        {"framework": a.framework.ref_id, "id": a.pk, "score": a.score} for a in assessments
    ]
    for assessment in assessments:
        ctx.log(f"{assessment.framework.ref_id}: readiness {assessment.score}%")
    ctx.progress(100, "done")


register_periodic(
    "compliance.assess",
    cron="30 3 * * *",
    kind=services.ASSESS_KIND,
    description="daily compliance assessment of every loaded framework",
)
