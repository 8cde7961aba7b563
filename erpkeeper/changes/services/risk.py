"""The risk and impact questionnaire: a few questions, each answer weighted; the sum is the
change's risk score and its level (low, medium, high)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erpkeeper.changes.models import RiskLevel


@dataclass(frozen=True)
class Question:
    key: str
    text: object  # a lazy translation
    answers: tuple[tuple[str, object, int], ...]  # (value, label, weight)


QUESTIONS = (
    Question(
        "users",
        gettext_lazy("Which ERP users does it affect?"),
        (
            ("none", gettext_lazy("None"), 0),
            ("some", gettext_lazy("One department"), 2),
            ("all", gettext_lazy("Everyone"), 4),
        ),
    ),
    Question(
        "downtime",
        gettext_lazy("Does it need downtime?"),
        (
            ("none", gettext_lazy("No"), 0),
            ("short", gettext_lazy("Under an hour"), 2),
            ("long", gettext_lazy("An hour or more"), 4),
        ),
    ),
    Question(
        "data",
        gettext_lazy("Does it change business data or the database schema?"),
        (
            ("none", gettext_lazy("No"), 0),
            ("config", gettext_lazy("Configuration only"), 1),
            ("schema", gettext_lazy("Data or schema"), 3),
        ),
    ),
    Question(
        "tested",
        gettext_lazy("Was it tested on a copy of production?"),
        (
            ("yes", gettext_lazy("Yes"), 0),
            ("partly", gettext_lazy("Partly"), 2),
            ("no", gettext_lazy("No"), 3),
        ),
    ),
    Question(
        "backout",
        gettext_lazy("Can it be backed out?"),
        (
            ("easy", gettext_lazy("Easily"), 0),
            ("hard", gettext_lazy("With effort"), 2),
            ("no", gettext_lazy("Not without a restore"), 4),
        ),
    ),
)
MAX_SCORE = sum(max(weight for _v, _l, weight in q.answers) for q in QUESTIONS)
# Score below which a change is low, then medium; the rest is high.
LOW_BELOW = 5
MEDIUM_BELOW = 10


def score(answers: dict) -> tuple[int, str]:
    """(score, level) of ``answers`` ({question key: answer value}); unanswered questions count
    as their worst answer, so skipping the questionnaire never lowers the risk."""
    answers = answers or {}
    if not isinstance(answers, dict):
        raise ValidationError({"risk_answers": _("Give the answers as {question: answer}.")})
    unknown = sorted(set(answers) - {q.key for q in QUESTIONS})
    if unknown:
        raise ValidationError(
            {"risk_answers": _("Unknown questions: %(keys)s.") % {"keys": ", ".join(unknown)}}
        )
    total = sum(_weight(question, answers.get(question.key)) for question in QUESTIONS)
    return total, level_of(total)


def level_of(total: int) -> str:
    if total < LOW_BELOW:
        return RiskLevel.LOW
    return RiskLevel.MEDIUM if total < MEDIUM_BELOW else RiskLevel.HIGH


def _weight(question: Question, value) -> int:
    if value in (None, ""):
        return max(weight for _v, _l, weight in question.answers)
    for answer, _label, weight in question.answers:
        if answer == value:
            return weight
    raise ValidationError(
        {
            "risk_answers": _("%(question)s: answer one of %(values)s.")
            % {
                "question": question.key,
                "values": ", ".join(a for a, _l, _w in question.answers),
            }
        }
    )
