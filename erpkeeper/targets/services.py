"""Operations on targets. The console, the API, the CLI and jobs all call these functions."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.lib import dburl
from erpkeeper.lib.crypto import SecretDecryptionError
from erpkeeper.targets import adapters
from erpkeeper.targets.adapters.base import AdapterError
from erpkeeper.targets.models import Environment, MaintenanceWindow, Target
from erpkeeper.targets.windows import WindowSpec, WindowSyntaxError, parse_window

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = (
    "name",
    "kind",
    "file_store_path",
    "erp_server_url",
    "host_name",
    "environment",
    "rpo_minutes",
    "rto_minutes",
    "description",
)


@dataclass
class CheckResult:
    """What a read-only probe of a target found, or the one-line reason it could not."""

    ok: bool
    target: str
    error: str = ""
    error_code: str = ""
    facts: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = {"target": self.target, "reachable": self.ok}
        if self.ok:
            data["facts"] = self.facts
        else:
            data.update(error=self.error_code, detail=self.error)
        return data


class TargetCheckFailed(Exception):
    """Raised by ``add_target`` when the new target cannot be reached; nothing is saved."""

    def __init__(self, result: CheckResult):
        super().__init__(result.error)
        self.result = result


def add_target(
    *,
    name: str,
    database_url: str,
    kind: str = "tryton",
    windows: list[str | WindowSpec] | None = None,
    verify: bool = True,
    **fields,
) -> Target:
    """Register an ERP instance. With ``verify`` it must answer a read-only check first."""
    prepared = prepare_new_target(
        name=name, database_url=database_url, kind=kind, windows=windows, verify=verify, **fields
    )
    return save_prepared(prepared)


@dataclass
class PreparedTarget:
    """A validated, not yet saved target (lets forms report errors before anything is written)."""

    target: Target
    windows: list[WindowSpec] | None
    check: CheckResult | None = None


def prepare_new_target(
    *,
    name: str,
    database_url: str,
    kind: str = "tryton",
    windows: list[str | WindowSpec] | None = None,
    verify: bool = True,
    **fields,
) -> PreparedTarget:
    target = Target(name=(name or "").strip(), kind=kind)
    _apply_fields(target, fields)
    _set_url(target, database_url)
    specs = _parse_windows(windows or [])
    _validate(target)
    result = probe(target) if verify else None
    if result is not None and not result.ok:
        raise TargetCheckFailed(result)
    return PreparedTarget(target, specs, result)


def prepare_changes(
    target: Target,
    *,
    database_url: str | None = None,
    windows: list[str | WindowSpec] | None = None,
    **fields,
) -> PreparedTarget:
    _apply_fields(target, fields)
    if database_url:
        _set_url(target, database_url)
    specs = _parse_windows(windows) if windows is not None else None
    _validate(target)
    return PreparedTarget(target, specs)


def save_prepared(prepared: PreparedTarget) -> Target:
    target = prepared.target
    with transaction.atomic():
        target.save()
        if prepared.windows is not None:
            _replace_windows(target, prepared.windows)
        if prepared.check is not None:
            _store_result(target, prepared.check)
    return target


def update_target(
    target: Target,
    *,
    database_url: str | None = None,
    windows: list[str | WindowSpec] | None = None,
    **fields,
) -> Target:
    """Change a target's settings. A new URL replaces the stored (encrypted) one."""
    return save_prepared(
        prepare_changes(target, database_url=database_url, windows=windows, **fields)
    )


class TargetRemovalFailed(Exception):
    """The target was not removed: what an app holds for it could not be settled as asked."""


# Sent before a target is removed, with ``target`` and ``delete_backups``. Apps above this one
# (backups) keep or delete what they hold for it and return a summary dict such as
# {"backups_kept": 3}; a receiver raises TargetRemovalFailed to stop the removal.
target_removing = Signal()


def remove_target(target: Target, *, delete_backups: bool = False) -> dict:
    """Stop caring for a target. The ERP itself is never touched; job history is kept, and so
    are its backups (restorable into a given database) unless ``delete_backups`` is asked for.
    Returns what happened to them, e.g. {"removed": "shop", "backups_kept": 3}."""
    summary = {"removed": target.name}
    for _receiver, answer in target_removing.send(
        sender=Target, target=target, delete_backups=delete_backups
    ):
        summary.update(answer or {})
    # The windows go with it by cascade; Django's collector audits each deletion.
    target.delete()
    return summary


# Sent after a successful check is stored, with ``target`` and ``facts``: apps above this one
# (changes: the ERP version history) record what they keep of it.
target_checked = Signal()


def check_target(target: Target) -> CheckResult:
    """Probe the ERP read-only and store what was found on the target."""
    result = probe(target)
    _store_result(target, result)
    return result


def probe(target: Target) -> CheckResult:
    """Connect read-only through the target's adapter; never raises for ERP-side failures."""
    try:
        url = target.database_url
        with adapters.open_adapter(target.kind, url, target.file_store_path) as adapter:
            description = adapter.describe()
            counts = adapter.counts()
    except AdapterError as exc:
        return CheckResult(False, target.name, str(exc), getattr(exc, "code", "adapter_error"))
    except SecretDecryptionError as exc:
        return CheckResult(False, target.name, str(exc), "secret_unreadable")
    facts = description.as_dict()
    facts["counts"] = counts
    return CheckResult(True, target.name, facts=facts)


def get_target(name_or_id: str | int) -> Target:
    """Find a target by name, or by id when given a number."""
    text = str(name_or_id)
    query = Target.objects.filter(name=text)
    if not query.exists() and text.isdigit():
        query = Target.objects.filter(pk=int(text))
    return query.get()


def _store_result(target: Target, result: CheckResult) -> None:
    target.last_checked = timezone.now()
    target.last_check_ok = result.ok
    target.last_check_error = result.error[:500]
    if result.ok:
        target.facts = result.facts
    target.save(update_fields=["last_checked", "last_check_ok", "last_check_error", "facts"])
    if result.ok:
        target_checked.send(sender=Target, target=target, facts=result.facts)


def _apply_fields(target: Target, fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({key: _("Unknown field.") for key in sorted(unknown)})
    for key, value in fields.items():
        if value is not None:
            setattr(target, key, value.strip() if isinstance(value, str) else value)


def _set_url(target: Target, url: str) -> None:
    try:
        target.set_database_url(url)
    except dburl.DatabaseUrlError as exc:
        raise ValidationError({"database_url": str(exc)}) from None


def _validate(target: Target) -> None:
    known = {kind for kind, _label in adapters.kinds()}
    errors = {}
    if target.kind not in known:
        errors["kind"] = [
            _("Unknown ERP kind %(kind)s; known kinds: %(known)s.")
            % {"kind": target.kind, "known": ", ".join(sorted(known))}
        ]
    if target.environment not in Environment.values:
        errors["environment"] = [
            _("Choose one of: %(values)s.") % {"values": ", ".join(Environment.values)}
        ]
    try:
        target.full_clean(exclude=["kind", "environment"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _parse_windows(windows: list[str | WindowSpec]) -> list[WindowSpec]:
    specs = []
    for item in windows:
        if isinstance(item, WindowSpec):
            specs.append(item)
            continue
        try:
            specs.append(parse_window(item, settings.TIME_ZONE))
        except WindowSyntaxError as exc:
            raise ValidationError({"maintenance_windows": str(exc)}) from None
    return specs


def _replace_windows(target: Target, specs: list[WindowSpec]) -> None:
    # One save per row (not bulk_create) so that each window reaches the audit trail.
    target.maintenance_windows.all().delete()
    for spec in specs:
        MaintenanceWindow.objects.create(
            target=target,
            weekday=spec.weekday,
            start_time=spec.start_time,
            duration_minutes=spec.duration_minutes,
            time_zone=spec.time_zone,
        )
