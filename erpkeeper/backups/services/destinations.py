"""Backup destinations: create, change, check, remove; and opening their storage."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.backups.destinations import open_storage
from erpkeeper.backups.destinations.base import Storage, StorageError
from erpkeeper.backups.models import (
    Backup,
    BackupCopy,
    BackupPolicy,
    BackupStatus,
    CopyStatus,
    Destination,
    StorageKind,
)

DEFAULT_DESTINATION_NAME = "local"
EDITABLE_FIELDS = (
    "name",
    "kind",
    "path",
    "bucket",
    "prefix",
    "endpoint_url",
    "region",
    "access_key_id",
    "description",
)


def open_destination(destination: Destination) -> Storage:
    return open_storage(destination.kind, destination.storage_options())


def default_destination() -> Destination:
    """The local directory HOME/backups, created on first use so a new install backs up."""
    existing = Destination.objects.filter(name=DEFAULT_DESTINATION_NAME).first()
    if existing is not None:
        return existing
    path = Path(settings.HOME) / "backups"
    return create_destination(
        name=DEFAULT_DESTINATION_NAME,
        kind=StorageKind.LOCAL,
        path=str(path),
        description=_("Created automatically on the ERPKeeper host."),
    )


def create_destination(*, secret_access_key: str = "", **fields) -> Destination:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("unknown fields: %s") % ", ".join(sorted(unknown)))
    destination = Destination(**fields)
    destination.set_secret_access_key(secret_access_key)
    validate_destination(destination)
    destination.save()
    return destination


def update_destination(
    destination: Destination, *, secret_access_key: str | None = None, **changes
) -> Destination:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("unknown fields: %s") % ", ".join(sorted(unknown)))
    for name, value in changes.items():
        setattr(destination, name, value)
    if secret_access_key is not None:
        destination.set_secret_access_key(secret_access_key)
    validate_destination(destination)
    destination.save()
    return destination


def remove_destination(destination: Destination) -> None:
    """Refused while backups or policies use it: removing it would orphan stored backups."""
    # Only backups that still hold data matter; the rows of failed and pruned ones stay as
    # history and lose the link (SET_NULL).
    in_use = Backup.objects.filter(
        destination=destination, status__in=(BackupStatus.SUCCEEDED, BackupStatus.RUNNING)
    ).count()
    in_use += BackupCopy.objects.filter(
        destination=destination, status__in=(CopyStatus.SUCCEEDED, CopyStatus.RUNNING)
    ).count()
    if in_use:
        raise ValidationError(
            _("%(name)s still holds %(count)d backups; it cannot be removed.")
            % {"name": destination.name, "count": in_use}
        )
    users = BackupPolicy.objects.filter(destination=destination) | BackupPolicy.objects.filter(
        offsite_destination=destination
    )
    if users.exists():
        raise ValidationError(
            _("%(name)s is used by the backup policy of %(targets)s.")
            % {"name": destination.name, "targets": ", ".join(str(p) for p in users)}
        )
    with transaction.atomic():
        destination.delete()


def check_destination(destination: Destination) -> str:
    """Check the destination is writable now; record and return the error ('' when fine)."""
    error = ""
    try:
        open_destination(destination).check()
    except StorageError as exc:
        error = str(exc)
    Destination.objects.filter(pk=destination.pk).update(
        last_checked=timezone.now(), last_check_ok=not error, last_check_error=error[:500]
    )
    destination.refresh_from_db()
    return error


def usage_by_destination(target=None) -> list[dict]:
    """Bytes held per destination by succeeded backups (and their off-site copies)."""
    backups = Backup.objects.filter(status=BackupStatus.SUCCEEDED)
    copies = BackupCopy.objects.filter(
        status=CopyStatus.SUCCEEDED, backup__status=BackupStatus.SUCCEEDED
    )
    if target is not None:
        backups = backups.filter(target=target)
        copies = copies.filter(backup__target=target)
    totals: dict[int, dict] = {}
    for row in backups.values("destination").annotate(n=Count("id"), size=Sum("stored_bytes")):
        totals[row["destination"]] = {"backups": row["n"], "bytes": row["size"] or 0}
    for row in copies.values("destination").annotate(n=Count("id"), size=Sum("stored_bytes")):
        entry = totals.setdefault(row["destination"], {"backups": 0, "bytes": 0})
        entry["backups"] += row["n"]
        entry["bytes"] += row["size"] or 0
    names = dict(Destination.objects.filter(pk__in=totals).values_list("pk", "name"))
    return [{"destination": names[pk], **values} for pk, values in sorted(totals.items())]


def validate_destination(destination: Destination) -> None:
    """Raise ValidationError (per field) when the destination cannot work as configured."""
    if destination.kind == StorageKind.LOCAL:
        if not destination.path or not Path(destination.path).is_absolute():
            raise ValidationError({"path": _("A local destination needs an absolute directory.")})
    elif destination.kind == StorageKind.S3 and not destination.bucket:
        raise ValidationError({"bucket": _("An S3 destination needs a bucket.")})
    destination.full_clean(exclude=["secret_access_key_encrypted"])
