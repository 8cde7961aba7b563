"""``alerts.evaluate``: one evaluation now, as a job (the evaluator thread runs it every few
seconds; this is for a manual run from the console or API, with its report kept)."""

from django.utils.translation import gettext_lazy as _

from erpkeeper.alerts.engine import evaluate
from erpkeeper.core.jobs import job_kind


@job_kind("alerts.evaluate", label=_("Evaluate alert rules"))
def evaluate_job(ctx):
    report = evaluate()
    ctx.result.update(report.as_dict())
    for change, summary, _alert in report.changes:
        ctx.log(f"{change}: {summary}")
    ctx.log(
        f"{report.rules} rules, {report.series} series, {len(report.changes)} changes, "
        f"{report.messages} messages"
    )
