"""Background delivery of notifications: a job kind, and a schedule every minute.

The schedule calls ``deliver_pending`` inline (``call=``): most minutes there is nothing to
send, and a Job row each minute would bury the real work in the job list. The job kind lets
code that has just raised an alert have it sent by the worker without waiting for the minute
(``enqueue("notifications.deliver")``), without slowing itself down.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from erpkeeper.core.jobs import job_kind
from erpkeeper.core.scheduler import register_periodic
from erpkeeper.notifications.delivery import deliver_pending
from erpkeeper.notifications.loop import LOOP


@job_kind("notifications.deliver", label=_("Deliver notifications"))
def deliver_job(ctx):
    run = deliver_pending()
    ctx.result.update(run.as_dict())
    ctx.log(f"{run.delivered} delivered, {run.failed} failed, {run.deferred} left for later")


def deliver_in_background() -> None:
    # The sender thread, where it runs in this process, already sends every few seconds.
    if not LOOP.running:
        deliver_pending()


register_periodic(
    "notifications.deliver",
    "* * * * *",
    call=deliver_in_background,
    description="send pending notifications to their channels, retrying failed ones",
)
