"""SoD rule sets: the one shipped with ERPKeeper, and those loaded or edited in the console.

The active RuleSet row of an ERP kind wins; without one, the shipped file is used, so a new
installation analyses from the first snapshot.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError

from erpkeeper.security.models import RuleSet
from erpkeeper.security.sod.rules import RuleSet as ParsedRuleSet
from erpkeeper.security.sod.rules import RuleSetError, parse_ruleset

SHIPPED = Path(__file__).resolve().parent.parent / "rulesets"


def shipped_ruleset_text(erp_kind: str = "tryton") -> str:
    path = SHIPPED / f"{erp_kind}.yaml"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def active_ruleset(erp_kind: str = "tryton") -> ParsedRuleSet | None:
    row = RuleSet.objects.filter(erp_kind=erp_kind, active=True).order_by("-updated").first()
    if row is not None:
        return row.parsed()
    text = shipped_ruleset_text(erp_kind)
    return parse_ruleset(text, f"rulesets/{erp_kind}.yaml") if text else None


def validate_ruleset_text(text: str, source: str) -> ParsedRuleSet:
    """The parsed rule set, or RuleSetError with one line per problem."""
    return parse_ruleset(text, source)


def load_ruleset(text: str, source: str = "", *, activate: bool = True) -> tuple[RuleSet, bool]:
    """Store a rule set's text under its name (a new version replaces the stored one; an older
    version is refused). Returns (row, created). ValidationError with the problems."""
    try:
        parsed = parse_ruleset(text, source or "rule set")
    except RuleSetError as exc:
        raise ValidationError({"text": exc.errors}) from None
    row = RuleSet.objects.filter(name=parsed.name).first()
    created = row is None
    if row is not None and parsed.version < row.version:
        raise ValidationError(
            {
                "version": f"{parsed.name} is at version {row.version}; "
                f"{source or 'this text'} has the older version {parsed.version}"
            }
        )
    row = row or RuleSet(name=parsed.name)
    row.text, row.version, row.erp_kind, row.active = text, parsed.version, parsed.erp, activate
    row.full_clean()
    row.save()
    if activate:
        others = RuleSet.objects.filter(erp_kind=parsed.erp, active=True).exclude(pk=row.pk)
        for other in others:  # saved one by one so the audit trail records each
            other.active = False
            other.save(update_fields=["active", "updated"])
    return row, created
