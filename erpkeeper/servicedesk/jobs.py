"""Background work of the service desk: polling mailboxes over IMAP.

Every minute the scheduler queues a ``servicedesk.mailbox_poll`` job for each enabled mailbox
whose interval has passed (a poll still queued or running is not doubled); the console's
"Poll now", the API and the CLI queue or run the same poll.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from erpkeeper.core.jobs import JobError, job_kind
from erpkeeper.core.scheduler import register_periodic
from erpkeeper.servicedesk.models import Mailbox
from erpkeeper.servicedesk.services.mailboxes import (
    MAILBOX_POLL,
    poll_mailbox,
    request_due_polls,
)


@job_kind(MAILBOX_POLL, label=_("Poll a mailbox"), expected_errors=(JobError,))
def poll_job(ctx):
    mailbox = Mailbox.objects.filter(pk=ctx.params.get("mailbox_id")).first()
    if mailbox is None:
        raise JobError("the mailbox no longer exists")
    result = poll_mailbox(mailbox, progress=ctx.progress)
    ctx.result.update(result.as_dict())
    for line in result.failed:
        ctx.log(f"left unread: {line}")
    ctx.log(result.summary())
    if result.error:
        raise JobError(result.error)


register_periodic(
    "servicedesk.mailboxes",
    "* * * * *",
    call=request_due_polls,
    description="queue a poll of every enabled mailbox whose interval has passed",
)
