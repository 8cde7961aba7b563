"""Restoring a backup: into a new database by default; over the original only when asked, and
then only after a safety backup of the current state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.backups.engines import get_engine
from erpkeeper.backups.engines.base import EngineError
from erpkeeper.backups.models import Backup, BackupStatus, BackupTrigger, Restore, RunStatus
from erpkeeper.backups.pipeline import PipelineError
from erpkeeper.backups.services.artifacts import ArtifactSource
from erpkeeper.backups.services.destinations import open_destination
from erpkeeper.backups.services.keys import repository_key
from erpkeeper.backups.storage.base import StorageError
from erpkeeper.lib import dburl

RESTORE_ERRORS = (EngineError, PipelineError, StorageError, OSError, dburl.DatabaseUrlError)


class RestoreRefused(Exception):
    """The restore was not started: the request is unsafe or impossible; the message says why."""


class RestoreFailed(Exception):
    """The restore started and failed; the message says why in one line."""


def database_component(backup: Backup) -> dict:
    for component in backup.manifest.get("components", []):
        if component["component"] == "database":
            return component
    raise RestoreRefused(_("backup %(id)s holds no ERP database") % {"id": backup.pk})


def files_component(backup: Backup) -> dict | None:
    for component in backup.manifest.get("components", []):
        if component["component"] == "files":
            return component
    return None


def default_restore_url(backup: Backup, now: dt.datetime | None = None) -> str:
    """A new database next to the original: ``<name>_restored_<when>`` (never the original)."""
    if backup.target is None:
        raise RestoreRefused(_("the backup's target was removed: give a destination URL"))
    stamp = (now or timezone.now()).strftime("%Y%m%d%H%M%S")
    original = dburl.parse(backup.target.database_url)
    if original.engine == "sqlite":
        path = Path(original.path)
        new_path = path.with_name(f"{path.stem}-restored-{stamp}{path.suffix or '.sqlite'}")
        return dburl.DatabaseUrl(engine="sqlite", path=str(new_path)).unparse()
    return _replace_database(original, f"{original.database}_restored_{stamp}").unparse()


def is_original(backup: Backup, url: str) -> bool:
    if backup.target is None:
        return False
    return _same_database(dburl.parse(url), dburl.parse(backup.target.database_url))


def check_restore_request(backup: Backup, to_url: str, replace: bool, confirm_name: str = ""):
    """``confirm_name`` must be the target's name to replace its live database: every interface
    asks for it (the CLI's --replace flag passes it on the operator's behalf)."""
    """Refuse unsafe requests before anything is touched; return the parsed destination."""
    if backup.status != BackupStatus.SUCCEEDED:
        raise RestoreRefused(
            _("backup %(id)s is %(status)s; only succeeded backups can be restored")
            % {"id": backup.pk, "status": backup.get_status_display()}
        )
    database_component(backup)
    destination = dburl.parse(to_url)
    engine = database_component(backup)["engine"]
    if destination.engine != engine:
        raise RestoreRefused(
            _("backup %(id)s is a %(engine)s database; the destination is %(dest)s")
            % {"id": backup.pk, "engine": engine, "dest": destination.engine}
        )
    if is_original(backup, to_url):
        if not replace:
            raise RestoreRefused(
                _("%(url)s is the live database of %(target)s: restoring over it needs replace")
                % {"url": destination.masked(), "target": backup.target_name}
            )
        if confirm_name != backup.target_name:
            raise RestoreRefused(
                _("type the target's name (%(name)s) to confirm replacing its database")
                % {"name": backup.target_name}
            )
    return destination


def restore_backup(
    backup: Backup,
    *,
    to_url: str = "",
    replace: bool = False,
    confirm_name: str = "",
    files_to: str = "",
    job=None,
    progress: Callable[[float, str], None] | None = None,
) -> Restore:
    """Restore ``backup`` into ``to_url`` (a new database when empty) and record it."""
    progress = progress or (lambda percent, message: None)
    to_url = to_url or default_restore_url(backup)
    destination = check_restore_request(backup, to_url, replace, confirm_name)
    over_original = is_original(backup, to_url)
    restore = Restore.objects.create(
        backup=backup,
        destination_masked=destination.masked(),
        replace=replace,
        job=job,
        started=timezone.now(),
    )
    try:
        if over_original:
            progress(2, _("taking a safety backup of the current state"))
            restore.safety_backup = _safety_backup(backup, job, progress)
            restore.save(update_fields=["safety_backup"])
        warnings = _restore_components(
            backup, destination.unparse(), replace, files_to, over_original, progress
        )
    except BaseException as exc:
        _finish(restore, RunStatus.FAILED, " ".join(str(exc).split()) or type(exc).__name__)
        if isinstance(exc, RESTORE_ERRORS):
            raise RestoreFailed(" ".join(str(exc).split())) from exc
        raise
    _finish(restore, RunStatus.SUCCEEDED, warnings=warnings)
    progress(100, _("restored"))
    return restore


def restore_into(
    backup: Backup, component: dict, dest: str, progress, *, replace: bool, jobs: int = 2
) -> list[str]:
    """Restore one component of ``backup`` into ``dest`` with its engine (also used by drills)."""
    key = repository_key(create=False) if backup.encrypted else None
    storage = open_destination(backup.destination)
    source = ArtifactSource(storage, backup.location, component["artifacts"], key)
    engine = get_engine(component["engine"])(dest)
    engine.check_tools()
    names = [artifact["name"] for artifact in component["artifacts"]]
    result = engine.restore(source, names, dest, progress, jobs=jobs, replace=replace)
    return list(result.details.get("warnings") or [])


def _restore_components(backup, dest_url, replace, files_to, over_original, progress) -> list[str]:
    component = database_component(backup)
    total = max(component.get("raw_bytes") or 0, 1)

    def report(done_bytes, message):
        progress(10 + 80 * min(done_bytes / total, 1.0), message)

    warnings = restore_into(backup, component, dest_url, report, replace=replace)
    files = files_component(backup)
    files_dest = files_to or (backup.target.file_store_path if over_original else "")
    if files is not None and files_dest:
        progress(92, _("restoring the file store"))
        warnings += restore_into(
            backup, files, files_dest, lambda done, message: None, replace=replace
        )
    return warnings


def _safety_backup(backup: Backup, job, progress) -> Backup:
    from erpkeeper.backups.services.running import run_backup

    return run_backup(
        backup.target,
        trigger=BackupTrigger.SAFETY,
        job=job,
        progress=lambda percent, message: progress(2 + percent * 0.08, message),
    )


def _finish(restore: Restore, status: str, error: str = "", warnings: list[str] = ()) -> None:
    Restore.objects.filter(pk=restore.pk).update(
        status=status, finished=timezone.now(), error=error[:2000], warnings=list(warnings)
    )
    restore.refresh_from_db()


def _replace_database(url: dburl.DatabaseUrl, database: str) -> dburl.DatabaseUrl:
    return dburl.DatabaseUrl(
        engine=url.engine,
        host=url.host,
        port=url.port,
        user=url.user,
        password=url.password,
        database=database,
        query=url.query,
    )


def _same_database(a: dburl.DatabaseUrl, b: dburl.DatabaseUrl) -> bool:
    if a.engine != b.engine:
        return False
    if a.engine == "sqlite":
        return Path(a.path).resolve() == Path(b.path).resolve()
    local = {"", "localhost", "127.0.0.1", "::1"}
    same_host = a.host == b.host or (a.host in local and b.host in local)
    default_port = {"postgresql": 5432, "mysql": 3306}[a.engine]
    same_port = (a.port or default_port) == (b.port or default_port)
    return same_host and same_port and a.database == b.database
