"""Attachments: checked against the size and type limits, stored under ERPKEEPER_HOME (outside
any served folder) under a random name, read back only through the ticket's permission checks.

A file is written before its row, inside ``atomic_with_files``: when the transaction fails the
files it wrote are removed, so a refused reply leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import mimetypes
import secrets
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.servicedesk.models import Attachment, Ticket, TicketMessage


@dataclass(frozen=True)
class IncomingFile:
    """A file as it arrives from a form, the API, the CLI or a mail part."""

    name: str
    content: bytes
    content_type: str = ""


def store_root() -> Path:
    return Path(settings.HOME) / "servicedesk" / "attachments"


def max_bytes() -> int:
    return settings.SERVICEDESK_ATTACHMENT_MAX_MB * 1024 * 1024


def allowed_extensions() -> set[str]:
    return {ext.lower().lstrip(".") for ext in settings.SERVICEDESK_ATTACHMENT_TYPES}


def clean_name(name: str) -> str:
    """The file's own name without any folder part (never a path into the store)."""
    base = PurePosixPath(str(name).replace("\\", "/")).name.strip()
    return base[:255] or "attachment"


def problem_with(file: IncomingFile) -> str | None:
    """Why ``file`` may not be attached, or None."""
    name = clean_name(file.name)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in allowed_extensions():
        return _("%(name)s: files of this type are not accepted (allowed: %(types)s).") % {
            "name": name,
            "types": ", ".join(sorted(allowed_extensions())),
        }
    if len(file.content) > max_bytes():
        return _("%(name)s is larger than %(size)s MB.") % {
            "name": name,
            "size": settings.SERVICEDESK_ATTACHMENT_MAX_MB,
        }
    if not file.content:
        return _("%(name)s is empty.") % {"name": name}
    return None


def check_files(files: list[IncomingFile]) -> None:
    """ValidationError listing every file that may not be attached (before anything is
    written: a refused file refuses the whole reply)."""
    problems = [p for p in (problem_with(file) for file in files) if p]
    if problems:
        raise ValidationError({"attachments": problems})


@contextlib.contextmanager
def atomic_with_files():
    """A transaction whose attachment files are removed again if it fails: a refused or broken
    reply leaves neither rows nor files behind."""
    written: list[Path] = []
    token = _written.set(written)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    finally:
        _written.reset(token)


_written: contextvars.ContextVar[list[Path] | None] = contextvars.ContextVar(
    "servicedesk_files_written", default=None
)


def attach(ticket: Ticket, message: TicketMessage | None, file: IncomingFile, user=None):
    """Write the file and its row (inside ``atomic_with_files``, after ``check_files``)."""
    name = clean_name(file.name)
    stored = f"{timezone.now():%Y/%m}/{secrets.token_hex(16)}"
    path = store_root() / stored
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(file.content)
    written = _written.get()
    if written is not None:
        written.append(path)
    content_type = file.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Attachment.objects.create(
        ticket=ticket,
        message=message,
        file_name=name,
        content_type=content_type[:100],
        size=len(file.content),
        sha256=hashlib.sha256(file.content).hexdigest(),
        stored_name=stored,
        uploaded_by=user,
    )


def read(attachment: Attachment) -> bytes:
    return (store_root() / attachment.stored_name).read_bytes()
