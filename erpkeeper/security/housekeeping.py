"""What the daily housekeeping may prune here: old snapshots (never a target's latest one),
then stored documents no snapshot points at any more."""

from __future__ import annotations

from django.db.models import Max, Q

from erpkeeper.core.housekeeping import History
from erpkeeper.security.models import AccessDocument, AccessSnapshot


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
