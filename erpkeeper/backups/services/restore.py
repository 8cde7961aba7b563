"""Restoring a backup: into a new database by default; over the original only when asked, and
then only after a safety backup of the current state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.backups.destinations.base import StorageError
from erpkeeper.backups.engines import get_engine
from erpkeeper.backups.engines.base import EngineError
from erpkeeper.backups.engines.restic import ResticError
from erpkeeper.backups.models import Backup, BackupStatus, BackupTrigger, RepositoryKind, Restore
from erpkeeper.backups.pipeline import PipelineError
from erpkeeper.backups.services.artifacts import ArtifactSource
from erpkeeper.backups.services.destinations import open_destination
from erpkeeper.backups.services.keys import key_path, repository_key
from erpkeeper.backups.services.platform import platform_database
from erpkeeper.backups.services.restic import RestoreSource, open_repository
from erpkeeper.backups.services.running import run_backup
from erpkeeper.core.runs import RunStatus
from erpkeeper.lib import dburl
from erpkeeper.lib.crypto import SecretDecryptionError
from erpkeeper.targets.models import Target

RESTORE_ERRORS = (
    EngineError,
    PipelineError,
    StorageError,
    OSError,
    dburl.DatabaseUrlError,
    ResticError,
)


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


@dataclass(frozen=True)
class RestorePlan:
    """A restore request that passed every check: where it goes, and what it replaces."""

    url: str  # with its password; never shown or logged
    destination: dburl.DatabaseUrl
    replaced: Target | None  # the registered target whose live database is replaced, if any


def target_at(url: str) -> Target | None:
    """The registered target whose live database ``url`` names, if any."""
    wanted = dburl.parse(url)
    for target in Target.objects.all():
        try:
            if _same_database(wanted, dburl.parse(target.database_url)):
                return target
        except (dburl.DatabaseUrlError, SecretDecryptionError):
            continue  # a target whose URL cannot be read is nobody's destination
    return None


def check_restore_request(
    backup: Backup, to_url: str, replace: bool, confirm_name: str = "", files_to: str = ""
) -> RestorePlan:
    """Refuse unsafe requests before anything is touched; every interface and the restore job
    call this. Replacing is only for a registered target's live database, confirmed by typing
    that target's name (the CLI's --replace flag passes it on the operator's behalf). Anything
    else is a new database: it must not exist yet, its directory must, and it must lie outside
    ERPKeeper's home (the platform database, the keys and the settings live there)."""
    if backup.status != BackupStatus.SUCCEEDED:
        raise RestoreRefused(
            _("backup %(id)s is %(status)s; only succeeded backups can be restored")
            % {"id": backup.pk, "status": backup.get_status_display()}
        )
    engine = database_component(backup)["engine"]
    if not to_url and replace:
        # Never guess: "replace" with no destination once meant a new file next to the original.
        raise RestoreRefused(_("replace what? Give the URL of the target's database to replace"))
    url = to_url or default_restore_url(backup)
    destination = dburl.parse(url)
    if destination.engine != engine:
        raise RestoreRefused(
            _("backup %(id)s is a %(engine)s database; the destination is %(dest)s")
            % {"id": backup.pk, "engine": engine, "dest": destination.engine}
        )
    _refuse_platform(destination)
    replaced = target_at(url)
    if replaced is not None:
        _check_replace(replaced, destination, replace, confirm_name)
    elif replace:
        raise RestoreRefused(
            _(
                "%(url)s is not the database of a registered target: replace is only for a "
                "target's live database; restore into a new database instead"
            )
            % {"url": destination.masked()}
        )
    else:
        _check_new_database(destination)
    if files_to:
        _check_files_to(files_to, replaced)
    return RestorePlan(url=url, destination=destination, replaced=replaced)


def _check_replace(target: Target, destination, replace: bool, confirm_name: str) -> None:
    if not replace:
        raise RestoreRefused(
            _("%(url)s is the live database of %(target)s: restoring over it needs replace")
            % {"url": destination.masked(), "target": target.name}
        )
    if confirm_name != target.name:
        raise RestoreRefused(
            _("type the target's name (%(name)s) to confirm replacing its database")
            % {"name": target.name}
        )


def _refuse_platform(destination: dburl.DatabaseUrl) -> None:
    """ERPKeeper's own database is never a destination, even if registered as a target."""
    if _is_platform_database(destination):
        raise RestoreRefused(
            _("%(url)s is ERPKeeper's own database: a backup is never restored over it")
            % {"url": destination.masked()}
        )
    if destination.engine == "sqlite":
        _refuse_protected_path(Path(destination.path))


def _is_platform_database(destination: dburl.DatabaseUrl) -> bool:
    engine, url = platform_database()
    if engine != destination.engine:
        return False
    if engine == "sqlite":  # compared as files: the name may be no URL (an in-memory database)
        name = str(settings.DATABASES["default"]["NAME"])
        return Path(destination.path).resolve() == Path(name).resolve()
    return _same_database(destination, dburl.parse(url))


def _refuse_protected_path(path: Path) -> None:
    """Paths inside ERPKEEPER_HOME (platform database, keys, settings) and the backup key."""
    resolved = path.resolve()
    if resolved == key_path().resolve() or (
        _inside(resolved, _home()) and not _in_a_target_folder(resolved)
    ):
        raise RestoreRefused(
            _("%(path)s is inside ERPKeeper's home or holds its keys: restore somewhere else")
            % {"path": path}
        )


def _check_new_database(destination: dburl.DatabaseUrl) -> None:
    if destination.engine == "sqlite":
        path = Path(destination.path)
        if path.exists() or path.is_symlink():
            raise RestoreRefused(
                _("%(path)s already exists: a restore into a new database never overwrites a file")
                % {"path": path}
            )
        if not path.parent.is_dir():
            raise RestoreRefused(
                _("the directory %(path)s does not exist: create it first") % {"path": path.parent}
            )
        return
    try:
        exists = get_engine(destination.engine)(destination.unparse()).exists(destination.unparse())
    except RESTORE_ERRORS as exc:
        raise RestoreRefused(
            _("cannot check the destination %(url)s: %(error)s")
            % {"url": destination.masked(), "error": " ".join(str(exc).split())}
        ) from None
    if exists:
        raise RestoreRefused(
            _(
                "the database %(url)s already exists and is no registered target's: a restore "
                "into a new database never overwrites one"
            )
            % {"url": destination.masked()}
        )


def _check_files_to(files_to: str, replaced: Target | None) -> None:
    path = Path(files_to)
    if not path.is_absolute():
        raise RestoreRefused(_("the file store directory must be an absolute path"))
    if replaced is not None and _same_path(path, replaced.file_store_path):
        return  # the replaced target's own file store: replaced with its database
    _refuse_protected_path(path)
    if not path.parent.is_dir():
        raise RestoreRefused(
            _("the directory %(path)s does not exist: create it first") % {"path": path.parent}
        )
    if path.is_symlink() or (path.exists() and (not path.is_dir() or any(path.iterdir()))):
        raise RestoreRefused(
            _("%(path)s is not an empty directory: the file store goes only into an empty one")
            % {"path": path}
        )


def _home() -> Path:
    return Path(settings.HOME).resolve()


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _in_a_target_folder(path: Path) -> bool:
    """A registered SQLite target may live in a folder of the home (the demo ERP does): restores
    next to it are allowed, the home itself never."""
    home = _home()
    for target in Target.objects.all():
        try:
            url = dburl.parse(target.database_url)
        except (dburl.DatabaseUrlError, SecretDecryptionError):
            continue
        if url.engine != "sqlite":
            continue
        folder = Path(url.path).resolve().parent
        if folder != home and path.parent == folder:
            return True
    return False


def _same_path(path: Path, other: str) -> bool:
    return bool(other) and path.resolve() == Path(other).resolve()


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
    """Restore ``backup`` into ``to_url`` (a new database when empty) and record it. Over a
    registered target's database a safety backup of that target is taken first."""
    progress = progress or (lambda percent, message: None)
    plan = check_restore_request(backup, to_url, replace, confirm_name, files_to)
    restore = Restore.objects.create(
        backup=backup,
        destination_masked=plan.destination.masked(),
        replace=plan.replaced is not None,
        job=job,
        started=timezone.now(),
    )
    try:
        if plan.replaced is not None:
            progress(2, _("taking a safety backup of the current state"))
            restore.safety_backup = _safety_backup(plan.replaced, job, progress)
            restore.save(update_fields=["safety_backup"])
        warnings = _restore_components(backup, plan, files_to, progress)
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
    source = _source(backup, component)
    engine = get_engine(component["engine"])(dest)
    engine.check_tools()
    names = [artifact["name"] for artifact in component["artifacts"]]
    result = engine.restore(source, names, dest, progress, jobs=jobs, replace=replace)
    return list(result.details.get("warnings") or [])


def _source(backup: Backup, component: dict):
    """Plaintext streams of the component's artifacts, from either repository kind."""
    if backup.repository_kind == RepositoryKind.RESTIC:
        return RestoreSource(open_repository(backup.destination), component["artifacts"])
    key = repository_key(create=False) if backup.encrypted else None
    storage = open_destination(backup.destination)
    return ArtifactSource(storage, backup.location, component["artifacts"], key)


def _restore_components(backup, plan: RestorePlan, files_to: str, progress) -> list[str]:
    component = database_component(backup)
    total = max(component.get("raw_bytes") or 0, 1)

    def report(done_bytes, message):
        progress(10 + 80 * min(done_bytes / total, 1.0), message)

    replacing = plan.replaced is not None
    warnings = restore_into(backup, component, plan.url, report, replace=replacing)
    files = files_component(backup)
    own_store = plan.replaced.file_store_path if replacing else ""
    files_dest = files_to or own_store
    if files is not None and files_dest:
        progress(92, _("restoring the file store"))
        # Only the replaced target's own file store is overwritten; elsewhere an empty one.
        over_store = replacing and _same_path(Path(files_dest), own_store)
        warnings += restore_into(
            backup, files, files_dest, lambda done, message: None, replace=over_store
        )
    return warnings


def _safety_backup(target: Target, job, progress) -> Backup:
    return run_backup(
        target,
        trigger=BackupTrigger.SAFETY,
        job=job,
        progress=lambda percent, message: progress(2 + percent * 0.08, message),
    )


def _finish(restore: Restore, status: str, error: str = "", warnings: list[str] = ()) -> None:
    # Settled once: a restore the reaper already failed (its worker looked dead) stays failed.
    Restore.settle_if_running(restore.pk, status, error=error[:2000], warnings=list(warnings))
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
