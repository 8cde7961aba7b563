"""Disaster-recovery drills: restore the newest good backup into a scratch database, check it,
time it, compare with the target's objectives, keep the report, drop the scratch copy.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erpkeeper.backups.engines import get_engine
from erpkeeper.backups.models import Backup, BackupStatus, Drill
from erpkeeper.backups.services.policies import drill_database_url, policy_for
from erpkeeper.backups.services.restore import (
    RESTORE_ERRORS,
    database_component,
    files_component,
    restore_into,
)
from erpkeeper.core import outbox
from erpkeeper.core.runs import RunStatus
from erpkeeper.lib import dburl
from erpkeeper.lib.pdf import pdf_bytes
from erpkeeper.lib.units import duration_short
from erpkeeper.targets.adapters import open_adapter
from erpkeeper.targets.adapters.base import AdapterError

logger = logging.getLogger(__name__)


class DrillFailed(Exception):
    """The drill ran and did not prove recovery; the message says why."""


def newest_good_backup(target) -> Backup | None:
    """The newest succeeded backup whose verification, if any, did not fail."""
    return (
        Backup.objects.filter(target=target, status=BackupStatus.SUCCEEDED)
        .exclude(verify_ok=False)
        .order_by("-started")
        .first()
    )


def run_drill(target, *, job=None, progress: Callable[[float, str], None] | None = None) -> Drill:
    """Run a drill now; the Drill row is the evidence. Raises DrillFailed when it failed."""
    progress = progress or (lambda percent, message: None)
    backup = newest_good_backup(target)
    drill = Drill.objects.create(
        target=target,
        target_name=target.name,
        backup=backup,
        job=job,
        started=timezone.now(),
        rto_target_seconds=target.rto_minutes * 60,
        rpo_target_seconds=target.rpo_minutes * 60,
    )
    checks: list[dict] = []
    scratch = None
    try:
        if backup is None:
            raise DrillFailed(_("there is no succeeded backup to restore"))
        drill.rpo_seconds = (timezone.now() - backup.started).total_seconds()
        scratch = Scratch.for_drill(drill, backup)
        started = time.monotonic()
        _restore_scratch(backup, scratch, progress, checks)
        _check_scratch(target, backup, scratch, progress, checks)
        drill.rto_seconds = time.monotonic() - started
        _check_objectives(drill, checks)
    except (DrillFailed, *RESTORE_ERRORS, AdapterError) as exc:
        drill.error = " ".join(str(exc).split())
    finally:
        if scratch is not None:
            scratch.drop()
    return _conclude(drill, checks)


def _restore_scratch(backup: Backup, scratch: Scratch, progress, checks: list[dict]) -> None:
    component = database_component(backup)
    total = max(component.get("raw_bytes") or 0, 1)
    progress(5, _("restoring backup %(id)s into a scratch database") % {"id": backup.pk})
    warnings = restore_into(
        backup,
        component,
        scratch.database_url,
        lambda done, message: progress(5 + 65 * min(done / total, 1.0), message),
        replace=False,
    )
    files = files_component(backup)
    if files is not None:
        quiet = lambda done, message: None  # noqa: E731  (the database's bar covers it)
        warnings += restore_into(backup, files, scratch.files_path, quiet, replace=False)
    detail = [_text(gettext_noop("backup %(id)s"), id=backup.pk)]
    if warnings:
        detail.append("; " + "; ".join(warnings))  # e.g. events disabled in the scratch copy
    checks.append(_check([_text(gettext_noop("Backup restored"))], True, detail))


def _check_scratch(target, backup: Backup, scratch: Scratch, progress, checks) -> None:
    progress(75, _("comparing row counts with the manifest"))
    component = database_component(backup)
    expected = component.get("row_counts") or {}
    actual = get_engine(component["engine"])(scratch.database_url).row_counts(scratch.database_url)
    differing = sorted(t for t in expected if expected[t] != actual.get(t))
    detail = (
        [_text(gettext_noop("%(count)d tables, all equal"), count=len(expected))]
        if not differing
        else ["; ".join(f"{t}: {expected[t]} → {actual.get(t)}" for t in differing[:10])]
    )
    name = [_text(gettext_noop("Row counts match the manifest"))]
    checks.append(_check(name, not differing, detail))
    progress(85, _("running the ERP's invariants"))
    with open_adapter(target.kind, scratch.database_url, scratch.files_path) as adapter:
        for result in adapter.invariants():
            detail = [
                _text(
                    gettext_noop("%(checked)d checked, %(failed)d failed"),
                    checked=result.checked,
                    failed=result.failed,
                )
            ]
            if result.examples:
                detail.append(": " + ", ".join(result.examples[:3]))  # data, never translated
            if result.skipped:
                detail = [
                    _text(
                        gettext_noop("not available: %(missing)s not installed"),
                        missing=result.skipped,
                    )
                ]
            # The adapter's description is its msgid: translated where the catalog has it.
            name = [_text(result.description or result.name)]
            checks.append(_check(name, None if result.skipped else result.passed, detail))


def _check_objectives(drill: Drill, checks: list[dict]) -> None:
    for label, measured, objective, met in (
        (
            gettext_noop("RTO within objective"),
            drill.rto_seconds,
            drill.rto_target_seconds,
            drill.rto_met,
        ),
        (
            gettext_noop("RPO within objective"),
            drill.rpo_seconds,
            drill.rpo_target_seconds,
            drill.rpo_met,
        ),
    ):
        detail = _text(
            gettext_noop("%(measured)s against %(target)s"),
            measured={"seconds": measured},
            target={"seconds": objective},
        )
        checks.append(_check([_text(label)], met, [detail]))


def _conclude(drill: Drill, checks: list[dict]) -> Drill:
    failed = [c for c in checks if c["passed"] is False]
    if not drill.error and failed:
        drill.error = _failed_summary([c["name"] for c in failed])
    drill.status = RunStatus.FAILED if drill.error else RunStatus.SUCCEEDED
    drill.finished = timezone.now()
    drill.checks = checks
    drill.report_html = render_report(drill)
    # Settled once: a drill the reaper already failed (its worker looked dead) stays failed.
    if not Drill.settle_if_running(
        drill.pk,
        drill.status,
        finished=drill.finished,
        error=drill.error,
        checks=checks,
        report_html=drill.report_html,
        rto_seconds=drill.rto_seconds,
        rpo_seconds=drill.rpo_seconds,
    ):
        drill.refresh_from_db()
        return drill
    if drill.status == RunStatus.FAILED:
        outbox.raise_alert(
            source="backups",
            event="drill_failed",
            target=drill.target,
            subject=_("Recovery drill of %(target)s failed") % {"target": drill.target_name},
            body=drill.error,
            link=f"/backups/drill/{drill.pk}/change/",
        )
    else:
        outbox.resolve_alerts(source="backups", event="drill_failed", target=drill.target)
    return drill


def report_pdf(drill: Drill, language: str | None = None) -> bytes:
    """The report of ``render_report`` as a PDF (CJK fonts embedded); PdfUnavailable without
    the system's Pango library."""
    return pdf_bytes(render_report(drill, language))


def report_filename(drill: Drill, extension: str) -> str:
    stamp = timezone.localtime(drill.started).strftime("%Y%m%d-%H%M")
    return f"drill-{drill.pk}-{stamp}.{extension}"


def render_report(drill: Drill, language: str | None = None) -> str:
    """The printable HTML evidence in ``language`` (en or zh-hans; default: the platform's).
    The stored copy is in the platform's language; whoever asks gets it in theirs, rendered
    from the same recorded checks and measurements."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        return render_to_string(
            "backups/drill_report.html",
            {
                "LANGUAGE_CODE": language,
                "drill": drill,
                "verdict": _report_error(drill),
                "checks": [_checked(check) for check in drill.checks],
                "rto": duration_short(drill.rto_seconds),
                "rpo": duration_short(drill.rpo_seconds),
                "rto_target": duration_short(drill.rto_target_seconds),
                "rpo_target": duration_short(drill.rpo_target_seconds),
                "backup": drill.backup,
                "generated": timezone.now(),
            },
        )


def _checked(check: dict) -> dict:
    """A stored check in the active language; checks stored before messages were kept as
    msgids (no "i18n" key) show as they were written."""
    parts = check.get("i18n")
    if not parts:
        return check
    return {
        "name": render_text(parts["name"]),
        "passed": check["passed"],
        "detail": render_text(parts["detail"]),
    }


def _report_error(drill: Drill) -> str:
    failed = [check for check in drill.checks if check["passed"] is False]
    if failed:
        return _failed_summary([_checked(check)["name"] for check in failed])
    # An error without failed checks (no backup, a restore that broke) was recorded as text;
    # a message of ours is its own msgid and translates, an engine's stays as it was.
    return _(drill.error) if drill.error else ""


def _failed_summary(names: list[str]) -> str:
    return _("%(count)d checks failed: %(names)s") % {
        "count": len(names),
        "names": ", ".join(names[:5]),
    }


def language_of(user) -> str:
    """The report language for ``user``: their chosen one, else the platform's."""
    profile = getattr(user, "profile", None) if user is not None else None
    return getattr(profile, "language", "") or settings.LANGUAGE_CODE


class Scratch:
    """Where a drill restores: a throwaway database (and directory) that is always dropped."""

    def __init__(self, engine: str, database_url: str, files_path: str):
        self.engine = engine
        self.database_url = database_url
        self.files_path = files_path

    @classmethod
    def for_drill(cls, drill: Drill, backup: Backup) -> Scratch:
        return cls.for_backup(backup, drill.target, f"drill-{drill.pk}", f"ekdrill_{drill.pk}")

    @classmethod
    def for_backup(cls, backup: Backup, target, folder: str, prefix: str) -> Scratch:
        """A scratch place for ``backup`` of ``target``: a file under ERPKeeper's home for
        SQLite, else a new database ``<prefix>_<time>`` on the drill server of the target's
        policy (or next to the original). Other apps' work on a copy (the performance
        advisor's proofs) uses it too."""
        component = database_component(backup)
        workdir = Path(settings.HOME) / "drills" / folder
        workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        files_path = str(workdir / "files")
        engine = component["engine"]
        if engine == "sqlite":
            url = dburl.DatabaseUrl(engine="sqlite", path=str(workdir / "scratch.sqlite"))
            return cls(engine, url.unparse(), files_path)
        policy = policy_for(target)
        server = dburl.parse(drill_database_url(policy) or target.database_url)
        name = f"{prefix}_{int(time.time())}"
        url = dburl.DatabaseUrl(
            engine=server.engine,
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
            database=name,
            query=server.query,
        )
        return cls(engine, url.unparse(), files_path)

    def drop(self) -> None:
        engine = get_engine(self.engine)(self.database_url)
        try:
            if engine.exists(self.database_url):
                engine.drop(self.database_url)
        except RESTORE_ERRORS:
            logger.exception("could not drop the drill's scratch database")
        shutil.rmtree(Path(self.files_path).parent, ignore_errors=True)


def _text(msgid: str, **params) -> dict:
    """A message kept as its English msgid and parameters, so that the report can be rendered
    later in the reader's language. A parameter {"seconds": n} is a duration."""
    return {"msgid": str(msgid), "params": params}


def render_text(parts: list) -> str:
    """Messages from ``_text`` in the active language, and plain strings (data) as they are."""
    out = []
    for part in parts:
        if not isinstance(part, dict):
            out.append(str(part))
            continue
        params = {key: _param(value) for key, value in part["params"].items()}
        text = _(part["msgid"])
        out.append(text % params if params else text)
    return "".join(out)


def _param(value):
    if isinstance(value, dict) and "seconds" in value:
        return duration_short(value["seconds"])
    return value


def _check(name: list, passed, detail: list) -> dict:
    # name and detail as written now (the console, the API, the CLI show these), and their
    # messages for rendering the report in another language.
    return {
        "name": render_text(name),
        # None: the check could not run here (a module the ERP lacks): never a pass.
        "passed": None if passed is None else bool(passed),
        "detail": render_text(detail),
        "i18n": {"name": name, "detail": detail},
    }
