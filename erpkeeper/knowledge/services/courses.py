"""Writing courses: the course, its steps (articles in order) and its quiz, saved together so
a course is never half-written."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from erpkeeper.knowledge.models import (
    Article,
    ArticleStatus,
    Course,
    CourseState,
    CourseStep,
    Question,
    QuestionKind,
    QuestionOption,
)

COURSE_FIELDS = ("title", "language", "description", "pass_mark", "owner", "state")


@dataclass
class OptionDraft:
    text: str
    correct: bool = False


@dataclass
class QuestionDraft:
    text: str
    kind: str = QuestionKind.SINGLE
    options: list[OptionDraft] = field(default_factory=list)

    @classmethod
    def from_data(cls, data: dict) -> QuestionDraft:
        options = [
            OptionDraft(str(o.get("text", "")).strip(), bool(o.get("correct")))
            for o in data.get("options") or []
        ]
        kind = data.get("kind") or QuestionKind.SINGLE
        return cls(str(data.get("text", "")).strip(), kind, options)


def create_course(*, actor=None, steps=None, questions=None, **fields) -> Course:
    """A new course (a draft unless ``state`` says otherwise), owned by ``actor`` by default."""
    fields.setdefault("owner", actor)
    return save_course(Course(), actor=actor, steps=steps or [], questions=questions, **fields)


@transaction.atomic
def save_course(course: Course, *, actor=None, steps=None, questions=None, **fields) -> Course:
    """Save the course's fields; ``steps`` (articles or their ids, in order) and ``questions``
    (``QuestionDraft``s or dicts), when given, replace the old ones."""
    for name, value in fields.items():
        if name not in COURSE_FIELDS:
            raise ValidationError({name: _("This field cannot be changed here.")})
        setattr(course, name, value)
    course.full_clean()
    course.save()
    if steps is not None:
        _replace_steps(course, steps)
    if questions is not None:
        _replace_questions(course, [_draft(q) for q in questions])
    _check_publishable(course)
    return course


def _draft(question) -> QuestionDraft:
    return question if isinstance(question, QuestionDraft) else QuestionDraft.from_data(question)


def _replace_steps(course: Course, steps) -> None:
    ids = [step.pk if isinstance(step, Article) else int(step) for step in steps]
    found = Article.objects.in_bulk(ids)
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {"steps": _("No article with id %(ids)s.") % {"ids": ", ".join(missing)}}
        )
    if len(set(ids)) != len(ids):
        raise ValidationError({"steps": _("An article appears twice in the course.")})
    course.steps.all().delete()
    for position, pk in enumerate(ids, start=1):
        CourseStep.objects.create(course=course, position=position, article=found[pk])


def _replace_questions(course: Course, drafts: list[QuestionDraft]) -> None:
    for number, draft in enumerate(drafts, start=1):
        problem = question_problem(draft)
        if problem:
            raise ValidationError(
                {"questions": _("Question %(n)d: %(problem)s") % {"n": number, "problem": problem}}
            )
    course.questions.all().delete()
    for position, draft in enumerate(drafts, start=1):
        question = Question.objects.create(
            course=course, position=position, text=draft.text, kind=draft.kind
        )
        for index, option in enumerate(draft.options, start=1):
            QuestionOption.objects.create(
                question=question, position=index, text=option.text, correct=option.correct
            )


def question_problem(draft: QuestionDraft) -> str:
    """Why a question cannot be asked as written, or ""."""
    right = sum(1 for option in draft.options if option.correct)
    if not draft.text:
        return _("write the question.")
    if draft.kind not in QuestionKind.values:
        return _("the kind is single or multiple.")
    if len(draft.options) < 2 or any(not option.text for option in draft.options):
        return _("give at least two answers, each with a text.")
    if right == 0:
        return _("mark the right answer.")
    if draft.kind == QuestionKind.SINGLE and right > 1:
        return _("a question with one answer has exactly one right option.")
    return ""


def _check_publishable(course: Course) -> None:
    if course.state != CourseState.PUBLISHED:
        return
    steps = list(course.steps.select_related("article"))
    if not steps:
        raise ValidationError({"state": _("A published course needs at least one article.")})
    unpublished = [s.article.title for s in steps if s.article.status != ArticleStatus.PUBLISHED]
    if unpublished:
        raise ValidationError(
            {
                "state": _("Publish these articles first: %(titles)s")
                % {"titles": ", ".join(unpublished)}
            }
        )
