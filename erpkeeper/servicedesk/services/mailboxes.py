"""Mailboxes polled over IMAP: set them up, test the connection, poll one (the scheduled job,
the console's "Poll now", the API and the CLI all call ``poll_mailbox``).

A poll reads the folder's unread messages in batches and hands each to ``receive_mail``, the
same function ``erpkeeper mail-in`` uses. A message is marked read only after its ticket or
reply is committed; one that cannot be filed stays unread, its reason is recorded, and the
others go on. If the poll stops between the commit and the mark (a crash, a dropped
connection), the next poll reads the message again and ``receive_mail`` recognises its
Message-ID: no second ticket.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from erpkeeper.core.jobs.services import ACTIVE, JobRequest, enqueue
from erpkeeper.core.models import Job
from erpkeeper.lib.crypto import SecretDecryptionError
from erpkeeper.servicedesk.models import Mailbox
from erpkeeper.servicedesk.services import imap
from erpkeeper.servicedesk.services.mail_in import MailRejected, receive_mail

logger = logging.getLogger(__name__)

MAILBOX_POLL = "servicedesk.mailbox_poll"
BATCH = 50  # messages fetched per IMAP command
MAX_MESSAGE = 50 * 1024 * 1024  # bigger messages are left unread (as the pipe refuses them)
STALE_POLL = dt.timedelta(minutes=30)  # a poll marked running for longer has died
EDITABLE_FIELDS = (
    "name",
    "host",
    "port",
    "security",
    "username",
    "folder",
    "queue",
    "enabled",
    "poll_minutes",
)


# -- setting up ------------------------------------------------------------------------------------


def create_mailbox(*, password: str = "", **fields) -> Mailbox:
    _refuse_unknown(fields)
    mailbox = Mailbox(**fields)
    mailbox.set_password(password)
    validate_mailbox(mailbox)
    with transaction.atomic():
        mailbox.save()
    return mailbox


def update_mailbox(mailbox: Mailbox, *, password: str | None = None, **changes) -> Mailbox:
    """Change settings; ``password`` None (or empty) keeps the stored one."""
    _refuse_unknown(changes)
    for name, value in changes.items():
        setattr(mailbox, name, value)
    if password:
        mailbox.set_password(password)
    validate_mailbox(mailbox)
    with transaction.atomic():
        mailbox.save()
    return mailbox


def remove_mailbox(mailbox: Mailbox) -> None:
    """The mailbox stops being polled; its tickets stay."""
    with transaction.atomic():
        mailbox.delete()


def validate_mailbox(mailbox: Mailbox) -> None:
    mailbox.host = mailbox.host.strip()
    mailbox.folder = (mailbox.folder or "").strip() or "INBOX"
    if not mailbox.has_password:
        raise ValidationError({"password": _("Give the mailbox's password.")})
    mailbox.full_clean(exclude=["password_encrypted"])


def _refuse_unknown(fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("unknown fields: %s") % ", ".join(sorted(unknown)))


def server_of(mailbox: Mailbox) -> imap.Server:
    """Where and how to log in; holds the decrypted password: never show or log it."""
    try:
        password = mailbox.password()
    except SecretDecryptionError as exc:
        raise imap.MailboxError(str(exc)) from None
    return imap.Server(
        host=mailbox.host,
        port=mailbox.port,
        security=mailbox.security,
        username=mailbox.username,
        password=password,
        folder=mailbox.folder,
        timeout=imap.TIMEOUT,
    )


def test_connection(mailbox: Mailbox) -> str:
    """Log in and open the folder without changing anything; raise ``imap.MailboxError``
    with the reason, else return what was found."""
    server = server_of(mailbox)
    with imap.open_folder(server, readonly=True) as client:
        count = len(imap.unread(client, server))
    return ngettext(
        "Connected: %(count)d unread message in %(folder)s.",
        "Connected: %(count)d unread messages in %(folder)s.",
        count,
    ) % {"count": count, "folder": mailbox.folder}


# -- polling ---------------------------------------------------------------------------------------


@dataclass
class PollResult:
    mailbox: str
    created: int = 0
    replied: int = 0
    ignored: int = 0
    failed: list[str] = field(default_factory=list)  # one line per message left unread
    error: str = ""  # why the mailbox could not be read (or not to the end)
    busy: bool = False  # another poll of this mailbox was running: nothing done

    @property
    def filed(self) -> int:
        return self.created + self.replied

    def as_dict(self) -> dict:
        return {
            "mailbox": self.mailbox,
            "created": self.created,
            "replied": self.replied,
            "ignored": self.ignored,
            "failed": self.failed,
            "error": self.error,
            "busy": self.busy,
        }

    def summary(self) -> str:
        return _(
            "%(created)d tickets opened, %(replied)d replies added, %(ignored)d ignored, "
            "%(failed)d left unread"
        ) % {
            "created": self.created,
            "replied": self.replied,
            "ignored": self.ignored,
            "failed": len(self.failed),
        }


Progress = Callable[[float, str], None]


def poll_mailbox(mailbox: Mailbox, *, progress: Progress | None = None) -> PollResult:
    """File the folder's unread messages now. Never raises for the server's faults: they are
    in ``result.error`` and the mailbox's last error."""
    result = PollResult(mailbox.name)
    if not _claim(mailbox):
        result.busy = True
        result.error = _("%(name)s is being polled already.") % {"name": mailbox.name}
        return result
    try:
        server = server_of(mailbox)
        with imap.open_folder(server) as client:
            _file_unread(client, server, mailbox, result, progress or _silent)
    except imap.MailboxError as exc:
        result.error = str(exc)
    finally:
        _record(mailbox, result)
    return result


def _file_unread(client, server, mailbox: Mailbox, result: PollResult, progress) -> None:
    uids = imap.unread(client, server)
    for start in range(0, len(uids), BATCH):
        batch = uids[start : start + BATCH]
        sizes = imap.sizes(client, server, batch)
        wanted = [uid for uid in batch if sizes.get(uid, 0) <= MAX_MESSAGE]
        for uid in batch:
            if uid not in wanted:
                result.failed.append(_line(uid, _("larger than 50 MB")))
        filed = [
            uid
            for uid, raw in imap.fetch(client, server, wanted)
            if _file_one(uid, raw, mailbox, result)
        ]
        # Only now, with every ticket and reply of the batch committed.
        imap.mark_read(client, server, filed)
        done = start + len(batch)
        progress(100 * done / len(uids), f"{done}/{len(uids)} messages")


def _file_one(uid: bytes, raw: bytes, mailbox: Mailbox, result: PollResult) -> bool:
    """File one message; True when it may be marked read (filed, or ignored on purpose)."""
    try:
        outcome = receive_mail(raw, queue=mailbox.queue)
    except MailRejected as exc:
        result.failed.append(_line(uid, str(exc)))
        return False
    except Exception as exc:  # one broken message must not stop the rest of the mailbox
        logger.exception("mailbox %s: message UID %s could not be filed", mailbox.name, uid)
        result.failed.append(_line(uid, f"{type(exc).__name__}: {exc}"))
        return False
    if outcome.action == "created":
        result.created += 1
    elif outcome.action == "replied":
        result.replied += 1
    else:
        result.ignored += 1
    return True


def _line(uid: bytes, reason: str) -> str:
    text = _("message UID %(uid)s: %(reason)s") % {"uid": uid.decode(), "reason": reason}
    return " ".join(text.split())[:300]


def _silent(percent: float, message: str = "") -> None:
    pass


def _claim(mailbox: Mailbox) -> bool:
    """Mark the mailbox as being polled, unless another poll is (or a dead one was long ago)."""
    now = timezone.now()
    free = Q(polling_since__isnull=True) | Q(polling_since__lt=now - STALE_POLL)
    return bool(Mailbox.objects.filter(free, pk=mailbox.pk).update(polling_since=now))


def _record(mailbox: Mailbox, result: PollResult) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(
        polling_since=None,
        last_poll=timezone.now(),
        last_error=last_error_of(result)[:500],
        received_count=F("received_count") + result.filed,
        ignored_count=F("ignored_count") + result.ignored,
        failed_count=F("failed_count") + len(result.failed),
    )
    with suppress(Mailbox.DoesNotExist):  # removed while it was being polled
        mailbox.refresh_from_db()


def last_error_of(result: PollResult) -> str:
    if result.error:
        return result.error
    if result.failed:
        return ngettext(
            "%(count)d message left unread: %(first)s",
            "%(count)d messages left unread, the first: %(first)s",
            len(result.failed),
        ) % {"count": len(result.failed), "first": result.failed[0]}
    return ""


# -- in the background -----------------------------------------------------------------------------


def request_poll(mailbox: Mailbox, requested_by=None, *, requested_by_name: str = "") -> JobRequest:
    """A poll of ``mailbox`` as a job, reusing one already queued or running."""
    active = (
        Job.objects.filter(kind=MAILBOX_POLL, status__in=ACTIVE, params__mailbox_id=mailbox.pk)
        .order_by("created")
        .first()
    )
    if active is not None:
        return JobRequest(active, reused=True)
    job = enqueue(
        MAILBOX_POLL,
        params={"mailbox_id": mailbox.pk, "mailbox": mailbox.name},
        requested_by=requested_by,
        requested_by_name=requested_by_name,
        note=f"mailbox {mailbox.name}",
    )
    return JobRequest(job)


def request_due_polls(now: dt.datetime | None = None) -> list[JobRequest]:
    """A poll job for every enabled mailbox whose interval has passed (the scheduler's minute)."""
    now = now or timezone.now()
    asked = []
    for mailbox in Mailbox.objects.filter(enabled=True):
        due = mailbox.last_poll is None or (
            mailbox.last_poll + dt.timedelta(minutes=mailbox.poll_minutes)
            <= now + dt.timedelta(seconds=30)
        )
        if due:
            asked.append(request_poll(mailbox, requested_by_name="schedule:servicedesk.mailboxes"))
    return asked
