"""Background work on targets: the periodic read-only check that keeps the dashboard current."""

from django.utils.translation import gettext_lazy as _

from erpkeeper.core.jobs import JobError, job_kind
from erpkeeper.core.scheduler import register_periodic
from erpkeeper.targets import services


@job_kind("target.check", label=_("Check target"), needs_target=True, expected_errors=(JobError,))
def check_target_job(ctx):
    ctx.progress(10, "connecting read-only")
    result = services.check_target(ctx.target)
    ctx.result.update(result.as_dict())
    if not result.ok:
        raise JobError(result.error)
    ctx.log(f"{ctx.target.name}: reachable, ERP {result.facts.get('erp_version', '?')}")
    ctx.progress(100, "done")


register_periodic("targets.check", cron="*/15 * * * *", kind="target.check", targets="each")
