"""Background work of the knowledge base: the daily review tasks, and a full reindex on demand."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from erpkeeper.core.jobs import job_kind
from erpkeeper.core.scheduler import register_periodic
from erpkeeper.knowledge import services

REINDEX_KIND = "knowledge.reindex"


@job_kind(REINDEX_KIND, label=_("Rebuild the knowledge search index"))
def reindex_job(ctx):
    def progress(done: int, total: int) -> None:
        ctx.progress(int(done * 100 / max(total, 1)), f"{done}/{total}")

    ctx.result["articles"] = services.reindex(progress=progress)


register_periodic(
    "knowledge.reviews",
    cron="15 6 * * *",
    call=services.raise_review_tasks,
    description="review tasks for articles past their review date or found unhelpful",
)


def training_daily():
    """New learners of role and ERP group assignments join, then the reminders go out."""
    added = services.sync_all_assignments()
    return {"enrolled": added, **services.send_reminders()}


register_periodic(
    "knowledge.training",
    cron="30 6 * * *",
    call=training_daily,
    description="learners of role and ERP group assignments, reminders before and after due",
)
