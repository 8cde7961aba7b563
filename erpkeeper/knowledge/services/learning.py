"""Taking a course: the learner reads the steps in order, then answers the quiz; the score is
computed here (never trusted from a browser), every attempt is kept, and a pass completes the
course with a certificate code."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from erpkeeper.knowledge.models import (
    Attempt,
    CourseState,
    CourseStep,
    Enrolment,
    QuestionKind,
    StepRead,
)
from erpkeeper.knowledge.services.assignments import resolve_reminders

# Certificate codes: unambiguous capitals and digits (no 0/O, 1/I), in groups of four.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class StepState:
    step: CourseStep
    read: bool
    open: bool  # readable now: every earlier step is read


def my_enrolments(user):
    """The learner's own courses (published or retired ones they already finished)."""
    return (
        Enrolment.objects.filter(user=user)
        .exclude(course__state=CourseState.DRAFT)
        .select_related("course")
        .order_by("completed", "due_date", "course__title")
    )


def step_states(enrolment: Enrolment) -> list[StepState]:
    read = set(enrolment.reads.values_list("step_id", flat=True))
    states, all_before = [], True
    for step in enrolment.course.steps.select_related("article"):
        states.append(StepState(step, step.pk in read, all_before))
        all_before = all_before and step.pk in read
    return states


def progress(enrolment: Enrolment) -> dict:
    states = step_states(enrolment)
    return {
        "steps": len(states),
        "read": sum(1 for state in states if state.read),
        "attempts": enrolment.attempts.count(),
        "best_score": enrolment.best_score,
        "completed": enrolment.completed,
        "overdue": enrolment.is_overdue(),
    }


def _takeable(enrolment: Enrolment) -> None:
    if enrolment.course.state != CourseState.PUBLISHED:
        raise ValidationError(_("This course is not open for taking."))


def mark_read(enrolment: Enrolment, step: CourseStep) -> StepRead:
    """The learner read ``step``; the steps are read in order."""
    _takeable(enrolment)
    state = next((s for s in step_states(enrolment) if s.step.pk == step.pk), None)
    if state is None:
        raise ValidationError({"step": _("This step is not part of the course.")})
    if not state.open:
        raise ValidationError({"step": _("Read the earlier steps first.")})
    found, _created = StepRead.objects.get_or_create(enrolment=enrolment, step=step)
    return found


def all_read(enrolment: Enrolment) -> bool:
    return all(state.read for state in step_states(enrolment))


def quiz(enrolment: Enrolment) -> list[dict]:
    """The questions with their options as a learner sees them: never which ones are right."""
    return [
        {
            "id": question.pk,
            "text": question.text,
            "kind": question.kind,
            "options": [{"id": o.pk, "text": o.text} for o in question.options.all()],
        }
        for question in enrolment.course.questions.prefetch_related("options")
    ]


def submit_attempt(enrolment: Enrolment, answers: dict) -> Attempt:
    """Score ``answers`` ({question id: [option ids]}) on the server: a question counts when
    exactly its right options are chosen; passed at the course's pass mark."""
    _takeable(enrolment)
    if not all_read(enrolment):
        raise ValidationError(_("Read every step of the course before the quiz."))
    chosen = _clean_answers(enrolment, answers)
    questions = list(enrolment.course.questions.prefetch_related("options"))
    right = sum(
        1
        for question in questions
        if chosen.get(question.pk, set()) == {o.pk for o in question.options.all() if o.correct}
    )
    score = round(100 * right / len(questions)) if questions else 100
    with transaction.atomic():
        attempt = Attempt.objects.create(
            enrolment=enrolment,
            answers={str(k): sorted(v) for k, v in chosen.items()},
            right=right,
            questions=len(questions),
            score=score,
            passed=score >= enrolment.course.pass_mark,
        )
        _settle(enrolment, attempt)
    return attempt


def _clean_answers(enrolment: Enrolment, answers) -> dict[int, set[int]]:
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Give the answers as {question: [options]}.")})
    questions = {q.pk: q for q in enrolment.course.questions.prefetch_related("options")}
    chosen: dict[int, set[int]] = {}
    for key, value in answers.items():
        try:
            question = questions[int(key)]
            options = {int(v) for v in (value if isinstance(value, list | tuple) else [value])}
        except (KeyError, TypeError, ValueError):
            raise ValidationError(
                {"answers": _("An answer names no question of this course.")}
            ) from None
        if not options <= {o.pk for o in question.options.all()}:
            raise ValidationError({"answers": _("An answer names an option of another question.")})
        if question.kind == QuestionKind.SINGLE and len(options) > 1:
            raise ValidationError(
                {"answers": _("Choose one answer to “%(q)s”.") % {"q": question.text[:60]}}
            )
        chosen[question.pk] = options
    return chosen


def _settle(enrolment: Enrolment, attempt: Attempt) -> None:
    fields = []
    if enrolment.best_score is None or attempt.score > enrolment.best_score:
        enrolment.best_score = attempt.score
        fields.append("best_score")
    if attempt.passed and enrolment.completed is None:
        enrolment.completed = attempt.submitted
        enrolment.certificate_code = new_certificate_code()
        fields += ["completed", "certificate_code"]
    if fields:
        enrolment.save(update_fields=fields)
    if attempt.passed:
        resolve_reminders(enrolment)


def new_certificate_code() -> str:
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(12))
        code = "-".join(raw[i : i + 4] for i in range(0, 12, 4))
        if not Enrolment.objects.filter(certificate_code=code).exists():
            return code


def verify_certificate(code: str) -> Enrolment | None:
    """The completed enrolment a certificate code belongs to, or None (a forged or mistyped
    code)."""
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    if len(cleaned) != 12:
        return None
    formatted = "-".join(cleaned[i : i + 4] for i in range(0, 12, 4))
    return (
        Enrolment.objects.filter(certificate_code=formatted, completed__isnull=False)
        .select_related("course", "user")
        .first()
    )
