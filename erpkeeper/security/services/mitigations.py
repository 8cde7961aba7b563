"""Mitigating controls and accepted exceptions of SoD risks: what lowers a risk that cannot be
separated, and what is accepted for a while. One function per operation, for the console, the
API and the CLI; each change is saved through the models, so the audit trail has it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.security.models import AcceptedException, Frequency, MitigatingControl
from erpkeeper.security.services.rulesets import active_ruleset

MAX_EXCEPTION_DAYS = 366  # an exception is for a while: a year at the most, then decided again


def add_mitigation(
    *,
    risk: str,
    owner: str,
    description: str,
    frequency: str,
    target=None,
    login: str = "",
    expires: dt.date | None = None,
) -> MitigatingControl:
    """A control of ``risk`` (for one ERP login, or everyone; on one target, or every one)."""
    errors = {}
    _check_risk(risk, target, errors)
    if not owner.strip():
        errors["owner"] = _("Name who carries the control out.")
    if not description.strip():
        errors["description"] = _("Describe the control: what is checked, how, by whom.")
    if frequency not in Frequency.values:
        errors["frequency"] = _("One of: %(choices)s.") % {"choices": ", ".join(Frequency.values)}
    if expires is not None and expires < timezone.localdate():
        errors["expires"] = _("The date has passed.")
    if errors:
        raise ValidationError(errors)
    control = MitigatingControl(
        risk=risk,
        target=target,
        login=login.strip(),
        owner=owner.strip(),
        description=description.strip(),
        frequency=frequency,
        expires=expires,
    )
    with transaction.atomic():
        control.save()
    return control


def accept_exception(
    *, risk: str, target, login: str, reason: str, accepted_by: str, expires: dt.date
) -> AcceptedException:
    """``login``'s conflict of ``risk`` on ``target`` accepted until ``expires`` (at most a
    year ahead), with the reason and who accepted it."""
    errors = {}
    _check_risk(risk, target, errors)
    if not login.strip():
        errors["login"] = _("An exception is for one ERP login.")
    if not reason.strip():
        errors["reason"] = _("Give the reason the conflict is accepted.")
    today = timezone.localdate()
    if expires is None or expires < today:
        errors["expires"] = _("Give a date that has not passed.")
    elif expires > today + dt.timedelta(days=MAX_EXCEPTION_DAYS):
        errors["expires"] = _("An exception lasts a year at the most; decide again then.")
    if errors:
        raise ValidationError(errors)
    exception = AcceptedException(
        risk=risk,
        target=target,
        login=login.strip(),
        reason=reason.strip(),
        accepted_by=accepted_by,
        expires=expires,
    )
    with transaction.atomic():
        exception.save()
    return exception


def withdraw(record: MitigatingControl | AcceptedException) -> None:
    """Remove a control or an exception: the conflict counts again from the next analysis
    (the audit trail keeps what it said)."""
    with transaction.atomic():
        record.delete()


def _check_risk(risk: str, target, errors: dict) -> None:
    """``risk`` must be a risk of the active rule set of the target's ERP kind."""
    kind = getattr(target, "kind", None) or "tryton"
    ruleset = active_ruleset(kind)
    known = set(ruleset.risks) if ruleset is not None else set()
    if risk not in known:
        shown = ", ".join(sorted(known)[:12]) + (" …" if len(known) > 12 else "")
        errors["risk"] = _("No risk %(risk)s in the active rule set (%(known)s).") % {
            "risk": risk,
            "known": shown or "–",
        }
