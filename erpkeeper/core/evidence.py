"""Compliance evidence from core: the audit trail's hash chain verified end to end (a
platform-wide fact, so one Evidence without a target).

Verifying walks the whole chain (about half a millisecond per entry), so a result is reused for
``REUSE`` while the chain's head and length are unchanged; the evidence's date is the time of
the verification itself, never of the reuse."""

from __future__ import annotations

import datetime as dt
import threading

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erpkeeper.core.audit import verify
from erpkeeper.core.models import AuditEntry
from erpkeeper.lib.evidence import Evidence, EvidenceCollector, EvidenceScope, EvidenceStatus

AUDIT_KEY = "core.audit_trail_verified"
REUSE = dt.timedelta(minutes=10)
_last: dict = {}  # {"head": (sequence, hash, count), "when": datetime, "result": VerifyResult}
_lock = threading.Lock()


def forget_verification() -> None:
    """Verify again at the next collection (tests, benchmarks)."""
    with _lock:
        _last.clear()


def _verified():
    head = AuditEntry.objects.order_by("-sequence").values_list("sequence", "hash").first()
    key = (*(head or (None, None)), AuditEntry.objects.count())
    now = timezone.now()
    with _lock:
        if _last.get("head") == key and now - _last["when"] < REUSE:
            return _last["result"], _last["when"]
    result = verify(max_problems=50)
    with _lock:
        _last.update(head=key, when=now, result=result)
    return result, now


def audit_trail_verified(scope: EvidenceScope) -> list[Evidence]:
    """Intact passes, any altered, inserted or missing entry fails (with the number of
    problems, never their content)."""
    result, when = _verified()
    details = {
        "checked": result.checked,
        "head_sequence": result.head_sequence,
        "problems": len(result.problems) + result.more_problems,
    }
    if result.checked == 0:
        text = _("The audit trail holds no entries yet")
        return [Evidence(AUDIT_KEY, EvidenceStatus.NOT_AVAILABLE, text, None, None, details)]
    status = EvidenceStatus.PASS if result.ok else EvidenceStatus.FAIL
    if result.ok:
        text = _("Audit trail intact: %(count)d entries verified") % {"count": result.checked}
    else:
        text = _("Audit trail broken: %(problems)d problems in %(count)d entries") % {
            "problems": details["problems"],
            "count": result.checked,
        }
    return [Evidence(AUDIT_KEY, status, text, when, None, details)]


COLLECTORS = (
    EvidenceCollector(
        AUDIT_KEY, gettext_lazy("Audit trail verified (hash chain intact)"), audit_trail_verified
    ),
)
