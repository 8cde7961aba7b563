"""Taking access snapshots: read the ERP through its adapter (read-only), store the document
once per distinct content, keep ERPKeeper's own login history, compare with the previous
snapshot and raise a notice for important changes."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.core import outbox
from erpkeeper.core.jobs.services import JobRequest, enqueue_once
from erpkeeper.core.models import OutboxMessage
from erpkeeper.core.runs import RunStatus
from erpkeeper.lib.crypto import SecretDecryptionError
from erpkeeper.security import document as documents
from erpkeeper.security.diff import diff_documents
from erpkeeper.security.models import AccessDocument, AccessSnapshot, LoginSighting
from erpkeeper.security.services.accounts import review_accounts
from erpkeeper.security.services.conflicts import analysis_for
from erpkeeper.security.services.review_followup import verify_requests
from erpkeeper.targets import adapters
from erpkeeper.targets.adapters.base import AdapterError

logger = logging.getLogger(__name__)

SNAPSHOT_KIND = "security.snapshot"
LOGINS_KIND = "security.logins"


class SnapshotFailed(Exception):
    """The ERP could not be read; ``str()`` is the one-line reason."""


def request_snapshot(target, requested_by=None, *, note: str = "") -> JobRequest:
    """Snapshot ``target``'s access now; one already queued or running is reused."""
    job, reused = enqueue_once(SNAPSHOT_KIND, target=target, requested_by=requested_by, note=note)
    return JobRequest(job, reused)


def _read(target) -> tuple[dict, list]:
    try:
        with adapters.open_adapter(
            target.kind, target.database_url, target.file_store_path
        ) as adapter:
            document = documents.build_document(adapter, target.kind)
            logins = [event for event in adapter.logins() if event.success]
    except (AdapterError, SecretDecryptionError) as exc:
        raise SnapshotFailed(str(exc)) from exc
    return document, logins


def take_snapshot(target, *, job=None, progress=None) -> AccessSnapshot:
    """Read ``target``'s users, groups, roles and rights; a failed row (never a success) when
    the ERP cannot be read, and SnapshotFailed raised."""
    progress = progress or (lambda *_args: None)
    snapshot = AccessSnapshot.objects.create(target=target, target_name=target.name, job=job)
    progress(10, _("reading users, groups and rights"))
    try:
        document, logins = _read(target)
    except SnapshotFailed as exc:
        AccessSnapshot.fail_if_running(snapshot.pk, str(exc)[:2000])
        raise
    progress(60, _("storing the snapshot"))
    record_logins(target, logins)
    previous = latest_succeeded(target)
    stored = store_document(document)
    _settle(snapshot, stored, document, previous)
    progress(80, _("comparing with the previous snapshot"))
    _compare(snapshot, previous, document)
    progress(90, _("analysing segregation of duties"))
    _analyse(snapshot, document)
    progress(95, _("reviewing risky accounts"))
    _review_accounts(snapshot, document)
    _verify_requests(snapshot, document)
    snapshot.refresh_from_db()
    return snapshot


def latest_succeeded(target, before=None) -> AccessSnapshot | None:
    queryset = AccessSnapshot.objects.filter(target=target, status=RunStatus.SUCCEEDED)
    if before is not None:
        queryset = queryset.filter(started__lt=before.started)
    return queryset.select_related("document").order_by("-started").first()


def store_document(document: dict) -> AccessDocument:
    digest = documents.content_hash(document)
    with transaction.atomic():
        stored = AccessDocument.objects.filter(content_hash=digest).first()
        if stored is None:
            data = documents.pack(document)
            stored = AccessDocument.objects.create(content_hash=digest, data=data, size=len(data))
    return stored


def _settle(snapshot, stored, document, previous) -> None:
    counts = documents.counts(document)
    AccessSnapshot.settle_if_running(
        snapshot.pk,
        RunStatus.SUCCEEDED,
        document=stored,
        unchanged=previous is not None and previous.document_id == stored.pk,
        users=counts["users"],
        active_users=counts["active_users"],
        administrators=counts["administrators"],
        groups=counts["groups"],
        roles=counts["roles"],
        model_access=counts["model_access"],
        api_keys=counts["api_keys"],
    )
    snapshot.refresh_from_db()


def _compare(snapshot, previous, document) -> None:
    if previous is None or previous.document is None:
        return
    changes = diff_documents(previous.load(), document, previous.started, snapshot.started)
    AccessSnapshot.objects.filter(pk=snapshot.pk).update(changes=changes["important"])
    if changes["important"]:
        raise_changes_notice(snapshot, changes)


def raise_changes_notice(snapshot, changes: dict) -> None:
    """One notice per snapshot with important changes (a new administrator, a reactivated
    account, a gained group...), sent by the notification channels."""
    lines = [
        f"{entry['login']}: {change_text(change)}"
        for entry in changes["users"]
        for change in entry["changes"]
        if change["important"]
    ]
    lines += [
        f"{entry['group']}: {change_text(change)}"
        for entry in changes["groups"]
        for change in entry["changes"]
        if change["important"]
    ]
    outbox.raise_alert(
        source="security",
        event=f"access_changed:{snapshot.pk}",
        severity=OutboxMessage.Severity.WARNING,
        target=snapshot.target,
        subject=_("%(count)d important access changes in %(target)s")
        % {"count": changes["important"], "target": snapshot.target_name},
        body="\n".join(lines[:200]),
        link=f"/security/accesssnapshot/{snapshot.pk}/change/",
    )


def change_text(change: dict) -> str:
    """One line for a change, e.g. "gained Accounting through role Finance clerk"."""
    kind = change["kind"]
    if kind in ("group_gained", "group_lost"):
        verb = _("gained") if kind == "group_gained" else _("lost")
        return f"{verb} {change['group']} {_ways_text(change.get('via', []))}".strip()
    if kind in ("group_permission_gained", "group_permission_lost"):
        if kind == "group_permission_gained":
            return _("gained %(perms)s on %(model)s") % change
        return _("lost %(perms)s on %(model)s") % change
    if kind == "api_key_added":
        return _("new API key for %(application)s (%(state)s)") % change
    labels = {
        "new_user": _("new user"),
        "removed_user": _("user removed"),
        "reactivated": _("account reactivated"),
        "deactivated": _("account deactivated"),
        "new_administrator": _("became administrator"),
        "administrator_removed": _("no longer administrator"),
    }
    return str(labels.get(kind, kind))


def _ways_text(ways: list[dict]) -> str:
    parts = []
    for way in ways:
        if "role" in way:
            parts.append(_("through role %(role)s") % way)
        elif "inherited_from" in way:
            parts.append(_("inherited from %(inherited_from)s") % way)
        else:
            parts.append(_("directly"))
    return ", ".join(parts)


def _analyse(snapshot, document) -> None:
    try:
        result = analysis_for(snapshot, document=document)
    except Exception:  # the snapshot stands even if the rule set cannot run
        logger.exception("SoD analysis of snapshot %s failed", snapshot.pk)
        return
    AccessSnapshot.objects.filter(pk=snapshot.pk).update(
        conflicts=len(result.conflicts),
        users_in_conflict=result.users_in_conflict(),
        critical_conflicts=result.by_severity()["critical"],
        summary={
            "ruleset": f"{result.ruleset} v{result.version}",
            "by_severity": result.by_severity(),
            "by_process": result.by_process(),
            "administrators": len(result.administrators),
            "not_applicable": result.not_applicable,
        },
    )


def _review_accounts(snapshot, document) -> None:
    try:
        review = review_accounts(snapshot, document)
    except Exception:  # the snapshot stands even if the review fails
        logger.exception("account review of snapshot %s failed", snapshot.pk)
        return
    snapshot.refresh_from_db(fields=["summary"])
    summary = {**snapshot.summary, "accounts": review["counts"], "account_notes": review["notes"]}
    AccessSnapshot.objects.filter(pk=snapshot.pk).update(summary=summary)


def _verify_requests(snapshot, document) -> None:
    """Revocations asked for by access reviews: carried out in the ERP, or not."""
    try:
        verify_requests(snapshot, document)
    except Exception:  # the snapshot stands even if the verification fails
        logger.exception("verifying remediation requests with snapshot %s failed", snapshot.pk)


# -- ERPKeeper's login history ------------------------------------------------------------------


def record_logins(target, events) -> int:
    """Fold successful logins into first/last seen per (login, address); how many rows moved."""
    seen: dict[tuple[str, str], tuple[dt.datetime, dt.datetime]] = {}
    for event in events:
        key = (event.login, event.ip_address or "")
        first, last = seen.get(key, (event.time, event.time))
        seen[key] = (min(first, event.time), max(last, event.time))
    changed = 0
    for (login, address), (first, last) in seen.items():
        row, created = LoginSighting.objects.get_or_create(
            target=target,
            login=login,
            address=address,
            defaults={"first_seen": first, "last_seen": last},
        )
        if not created and (first < row.first_seen or last > row.last_seen):
            row.first_seen, row.last_seen = min(first, row.first_seen), max(last, row.last_seen)
            row.save(update_fields=["first_seen", "last_seen"])
        changed += 1
    return changed


def poll_logins(target) -> int:
    """Record the ERP's current sessions (the hourly schedule), so a login survives Tryton
    deleting its session row."""
    since = timezone.now() - dt.timedelta(days=31)
    try:
        with adapters.open_adapter(
            target.kind, target.database_url, target.file_store_path
        ) as adapter:
            events = [e for e in adapter.logins(since) if e.success]
    except (AdapterError, SecretDecryptionError) as exc:
        raise SnapshotFailed(str(exc)) from exc
    return record_logins(target, events)


def last_logins(target) -> dict[str, dt.datetime]:
    """login -> the latest sign-in ERPKeeper knows of (its history includes every session row
    read at snapshots and polls, so it is never older than the ERP's own ``ir_session``)."""
    found: dict[str, dt.datetime] = {}
    for login, last in LoginSighting.objects.filter(target=target).values_list(
        "login", "last_seen"
    ):
        if login not in found or last > found[login]:
            found[login] = last
    return found
