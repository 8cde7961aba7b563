"""How the console and the exports write a grant's path and a severity, in the reader's
language (the SoD rules speak plain words; no Django there)."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

SEVERITY_LABELS = {
    "low": _("Low"),
    "medium": _("Medium"),
    "high": _("High"),
    "critical": _("Critical"),
}

# A conflict's state once mitigating controls and accepted exceptions are weighed.
STATUS_LABELS = {
    "open": _("Open"),
    "mitigated": _("Mitigated"),
    "accepted": _("Accepted"),
}


def via_steps(via: list[dict]) -> list[str]:
    """Each way a grant reaches the user, as the console writes it."""
    reasons = {
        "everyone": gettext("a rule for everyone (no group)"),
        "default": gettext("no access rule applies: Tryton allows"),
        "open": gettext("open to every user"),
        "administrator": gettext("administrator"),
    }
    steps = []
    for step in via:
        if "reason" in step:
            steps.append(reasons.get(step["reason"], step["reason"]))
            continue
        text = step["group"]
        if "inherited_from" in step:
            text += " " + gettext("(inherited from %(group)s)") % {"group": step["inherited_from"]}
        if "role" in step:
            text += " ← " + gettext("role %(role)s") % {"role": step["role"]}
        else:
            text += " ← " + gettext("direct")
        if step.get("transient"):
            text += " " + gettext("(removed at the next role sync)")
        steps.append(text)
    return list(dict.fromkeys(steps))
