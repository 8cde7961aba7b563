"""ERP version history: each successful target check hands its facts here (the
``target_checked`` signal of targets.services); a snapshot is stored only when the ERP version
or a module's version differs from the target's previous one.

Tryton keeps no per-module version in its database (``ir_module`` has name and state; the
series, e.g. 8.2, is in ``ir_configuration``), so a module's version is the series unless the
adapter reports ``module_versions`` (patch levels from the installed packages, issue 16 §4).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from packaging.version import InvalidVersion, Version

from erpkeeper.changes.models import ModuleChange, ReleaseNote, VersionSnapshot


def record_versions(target, facts: dict, when: dt.datetime | None = None):
    """Store what ``facts`` say the target runs, if it differs; the new snapshot or None."""
    erp_version = str(facts.get("erp_version") or "unknown")
    modules = module_versions(facts)
    previous = target.version_snapshots.order_by("-taken", "-pk").first()
    if previous and previous.erp_version == erp_version and previous.modules == modules:
        return None
    return VersionSnapshot.objects.create(
        target=target,
        taken=when or timezone.now(),
        erp_version=erp_version,
        previous_erp_version=previous.erp_version if previous else "",
        modules=modules,
        changes=module_changes(previous.modules, modules) if previous else [],
    )


def module_versions(facts: dict) -> dict[str, str]:
    reported = facts.get("module_versions")
    if isinstance(reported, dict) and reported:
        return {str(k): str(v) for k, v in sorted(reported.items())}
    series = str(facts.get("erp_version") or "")
    return {str(name): series for name in sorted(facts.get("modules") or [])}


def module_changes(before: dict, after: dict) -> list[dict]:
    """What differs between two {module: version} maps, by module name."""
    found = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if old is None:
            kind = ModuleChange.ADDED
        elif new is None:
            kind = ModuleChange.REMOVED
        else:
            kind = ModuleChange.UPGRADED if _newer(new, old) else ModuleChange.DOWNGRADED
        found.append({"module": name, "kind": str(kind), "from": old or "", "to": new or ""})
    return found


def history(target, limit: int = 100) -> list[dict]:
    """The target's snapshots, newest first, with each change's label and release note."""
    rows = []
    snapshots = target.version_snapshots.order_by("-taken", "-pk")[:limit]
    notes = _notes_by_key()
    for snapshot in snapshots:
        rows.append(
            {
                "snapshot": snapshot,
                "first": not snapshot.previous_erp_version and not snapshot.changes,
                "erp_changed": bool(snapshot.previous_erp_version)
                and snapshot.previous_erp_version != snapshot.erp_version,
                "erp_note": notes.get((target.kind, snapshot.erp_version)),
                "changes": [
                    {
                        **change,
                        "label": ModuleChange(change["kind"]).label,
                        "note": notes.get((change["module"], change["to"])),
                    }
                    for change in snapshot.changes
                ],
            }
        )
    return rows


def save_release_note(note: ReleaseNote, actor=None) -> ReleaseNote:
    note.product = note.product.strip()
    note.version = note.version.strip()
    if note.pk is None and note.author is None:
        note.author = actor
    try:
        note.full_clean()
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    note.save()
    return note


def _notes_by_key() -> dict:
    return {(n.product, n.version): n for n in ReleaseNote.objects.select_related("change")}


def _newer(new: str, old: str) -> bool:
    try:
        return Version(new) > Version(old)
    except InvalidVersion:
        return new > old


def summary(target) -> dict | None:
    """The current version and the latest changes, for the target's page."""
    newest = target.version_snapshots.order_by("-taken", "-pk").first()
    if newest is None:
        return None
    recent = [s for s in target.version_snapshots.order_by("-taken", "-pk")[:5] if s.changes]
    return {
        "version": newest.erp_version,
        "modules": len(newest.modules),
        "since": newest.taken,
        "recent": [
            _("%(when)s: %(count)s module change(s)")
            % {"when": timezone.localtime(s.taken).strftime("%Y-%m-%d"), "count": len(s.changes)}
            for s in recent[:3]
        ],
    }
