"""What a security check is, its outcome, and the score of a run.

A check has an id, a severity, a rationale, fix advice and a reference (the CIS benchmark's
topic where it has one); its function answers ``(passed, detail)``: True, False, or None when
the check cannot be made with this connection (not readable, not applicable): such a check
neither passes nor lowers the score."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
WEIGHTS = {"low": 2, "medium": 5, "high": 10, "critical": 20}


@dataclass(frozen=True)
class Check:
    id: str
    severity: str
    title: str  # lazy gettext
    rationale: str
    advice: str
    reference: str = ""
    run: Callable = field(default=None, compare=False, repr=False)


@dataclass
class Outcome:
    check: Check
    status: str
    detail: str = ""

    def as_dict(self) -> dict:
        return {
            "id": self.check.id,
            "severity": self.check.severity,
            "status": self.status,
            "detail": self.detail,
        }


def run_all(checks: tuple[Check, ...], context) -> list[Outcome]:
    """Each check once; one that cannot read what it needs is unknown, never a failed run."""
    outcomes = []
    for check in checks:
        try:
            passed, detail = check.run(context)
        except CheckUnavailable as exc:
            passed, detail = None, str(exc)
        status = UNKNOWN if passed is None else PASS if passed else FAIL
        outcomes.append(Outcome(check, status, detail))
    return outcomes


def score(outcomes: list[Outcome]) -> int:
    """100 minus the weights of the failed checks, never below zero."""
    lost = sum(WEIGHTS.get(o.check.severity, 0) for o in outcomes if o.status == FAIL)
    return max(0, 100 - lost)


class CheckUnavailable(Exception):
    """What the check needs cannot be read here (a privilege, a table): the reason."""
