"""What the daily housekeeping may prune here: old snapshots (never a target's latest one),
old security check runs, findings fixed long ago,
then stored documents no snapshot points at any more."""

from __future__ import annotations

from django.db.models import Max, Q

from erpkeeper.core.housekeeping import History
from erpkeeper.security.models import (
    AccessDocument,
    AccessSnapshot,
    Finding,
    FindingState,
    SecurityCheckRun,
)


def _old_snapshots(cutoff):
    latest = (
        AccessSnapshot.objects.filter(status="succeeded")
        .values("target_name")
        .annotate(latest=Max("started"))
        .values_list("target_name", "latest")
    )
    keep = Q()
    for target_name, started in latest:
        keep |= Q(target_name=target_name, started=started)
    old = AccessSnapshot.objects.filter(started__lt=cutoff).exclude(status="running")
    return old.exclude(keep) if latest else old


def _orphan_documents(cutoff):
    return AccessDocument.objects.filter(snapshots__isnull=True, created__lt=cutoff)


SNAPSHOTS = History("security_snapshots", _old_snapshots)
DOCUMENTS = History("security_documents", _orphan_documents)


def _old_check_runs(cutoff):
    """Check runs past the history, not running (the trend needs only the recent ones)."""
    return SecurityCheckRun.objects.filter(started__lt=cutoff).exclude(status="running")


def _fixed_findings(cutoff):
    return Finding.objects.filter(state=FindingState.FIXED, fixed_at__lt=cutoff)


CHECK_RUNS = History("security_check_runs", _old_check_runs)
FIXED_FINDINGS = History("security_fixed_findings", _fixed_findings)
