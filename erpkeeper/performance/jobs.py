"""Background work for the performance advisor: the database checks (also nightly) and the
proof of an index suggestion on a restored copy."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from erpkeeper.core.jobs import JobError, job_kind
from erpkeeper.core.scheduler import register_periodic
from erpkeeper.performance import services
from erpkeeper.performance.models import IndexSuggestion
from erpkeeper.performance.services.requests import PERFORMANCE_CHECK, PERFORMANCE_PROOF

EXPECTED = (JobError, services.CheckFailed, services.ProofFailed, services.CodeReviewFailed)


@job_kind(
    PERFORMANCE_CHECK, label=_("Performance checks"), needs_target=True, expected_errors=EXPECTED
)
def check_job(ctx):
    run = services.run_checks(ctx.target, job=ctx.job, progress=ctx.progress)
    ctx.result.update(
        {"run_id": run.pk, "findings": run.findings_count, "queries": run.queries_count}
    )
    if run.error:
        raise JobError(run.error)
    ctx.log(f"check run {run.pk}: {run.findings_count} findings, {run.queries_count} queries")


@job_kind(
    PERFORMANCE_PROOF,
    label=_("Prove an index on a copy"),
    needs_target=True,
    expected_errors=EXPECTED,
)
def proof_job(ctx):
    suggestion = IndexSuggestion.objects.filter(pk=ctx.params.get("suggestion_id")).first()
    if suggestion is None:
        raise JobError("the index suggestion no longer exists")
    proof = services.run_proof(suggestion, job=ctx.job, progress=ctx.progress)
    ctx.result.update(
        {
            "proof_id": proof.pk,
            "before_ms": proof.before_median_ms,
            "after_ms": proof.after_median_ms,
            "speedup": proof.speedup,
        }
    )
    if proof.error:
        raise JobError(proof.error)
    ctx.log(f"proof {proof.pk}: {proof.before_median_ms} ms -> {proof.after_median_ms} ms")
    ctx.progress(100, "done")


@job_kind(
    services.CODE_REVIEW,
    label=_("Review the custom modules' code"),
    needs_target=True,
    expected_errors=EXPECTED,
)
def code_review_job(ctx):
    review = services.run_code_review(ctx.target, job=ctx.job, progress=ctx.progress)
    ctx.result.update(
        {"review_id": review.pk, "modules": review.modules_count, "score": review.score}
    )
    ctx.log(f"code review {review.pk}: {review.modules_count} modules, score {review.score}")


# Nightly, off the busy hours, every target: the checks weigh little (each query is bounded).
register_periodic("performance.checks", cron="40 2 * * *", kind=PERFORMANCE_CHECK, targets="each")
# Weekly, Sunday night: code changes slowly, and a review of large modules takes minutes.
register_periodic(
    "performance.code_review",
    cron="30 3 * * 0",
    kind=services.CODE_REVIEW,
    targets=services.targets_with_code_folders,
)
