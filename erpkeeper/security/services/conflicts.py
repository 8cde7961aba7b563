"""SoD analysis of a stored snapshot, with the console's mitigating controls and accepted
exceptions applied: a conflict is open, mitigated (a valid control), or accepted (a valid
exception). Expired controls and exceptions no longer count."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from erpkeeper.security.evaluation import AccessModel
from erpkeeper.security.models import AcceptedException, MitigatingControl
from erpkeeper.security.services.rulesets import active_ruleset
from erpkeeper.security.sod.analysis import Analysis, analyse


class NoRuleSet(LookupError):
    pass


def access_model(snapshot, document: dict | None = None) -> AccessModel:
    """The snapshot's document evaluated at the snapshot's time (role validity then)."""
    return AccessModel(document if document is not None else snapshot.load(), snapshot.started)


def analysis_for(snapshot, *, document: dict | None = None, entities: bool = True) -> Analysis:
    kind = snapshot.target.kind if snapshot.target else "tryton"
    ruleset = active_ruleset(kind)
    if ruleset is None:
        raise NoRuleSet(f"no SoD rule set for ERP kind {kind!r}")
    result = analyse(ruleset, access_model(snapshot, document), entities=entities)
    apply_controls(result, snapshot.target)
    return result


def _valid(queryset, today):
    return queryset.filter(Q(expires__isnull=True) | Q(expires__gte=today))


def apply_controls(result: Analysis, target) -> None:
    today = timezone.localdate()
    controls = list(
        _valid(MitigatingControl.objects.filter(Q(target=target) | Q(target__isnull=True)), today)
    )
    exceptions = {
        (e.risk, e.login): e
        for e in AcceptedException.objects.filter(target=target, expires__gte=today)
    }
    for conflict in result.conflicts:
        accepted = exceptions.get((conflict.risk, conflict.login))
        if accepted is not None:
            conflict.status = "accepted"
            conflict.note = f"{accepted.accepted_by}: {accepted.reason} (→ {accepted.expires})"
            continue
        for control in controls:
            if control.risk == conflict.risk and control.login in ("", conflict.login):
                conflict.status = "mitigated"
                conflict.note = f"{control.owner}: {control.description} ({control.frequency})"
                break
