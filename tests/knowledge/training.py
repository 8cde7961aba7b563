"""Helpers of the training tests (their fixtures are in conftest.py): the quiz, the right
answers, reading every step."""

from __future__ import annotations

from erpkeeper.knowledge import services

QUESTIONS = [
    {
        "text": "What does posting a supplier invoice create?",
        "kind": "single",
        "options": [
            {"text": "An account move", "correct": True},
            {"text": "A purchase order"},
        ],
    },
    {
        "text": "How do you correct a posted invoice?",
        "kind": "multiple",
        "options": [
            {"text": "Cancel it", "correct": True},
            {"text": "Credit it", "correct": True},
            {"text": "Edit its lines"},
        ],
    },
]


def right_answers(enrolment) -> dict[str, list[int]]:
    """The right options of each question, as the learner would tick them."""
    return {
        str(q.pk): [o.pk for o in q.options.all() if o.correct]
        for q in enrolment.course.questions.all()
    }


def read_all(enrolment) -> None:
    for step in enrolment.course.steps.all():
        services.mark_read(enrolment, step)
