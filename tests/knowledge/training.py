"""What the training tests share: a published course of two articles with a two-question quiz,
the demo ERP's snapshot, and ERP accountants with platform accounts."""

from __future__ import annotations

import pytest

from erpkeeper.accounts import services as accounts
from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import ArticleLanguage, CourseState
from erpkeeper.lib.roles import Role
from erpkeeper.security import services as security
from erpkeeper.targets.services import add_target
from tests.fixtures.personas import PERSONA_PASSWORD
from tests.knowledge.conftest import publish

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


@pytest.fixture
def entering(helen, manual):
    return publish(
        "Entering a supplier invoice",
        "Open Supplier Invoices, click New, choose the supplier and add the lines.",
        category=manual,
        owner=helen,
    )


@pytest.fixture
def course(helen, entering, posting_invoices):
    return services.create_course(
        actor=helen,
        title="Posting supplier invoices",
        language=ArticleLanguage.EN,
        pass_mark=100,
        state=CourseState.PUBLISHED,
        steps=[entering, posting_invoices],
        questions=QUESTIONS,
    )


@pytest.fixture
def shop(tryton_sqlite_db):
    """The demo Tryton ERP with a first access snapshot (Accounting: sun.li, zhao.min,
    zhou.qiang)."""
    target = add_target(name="shop", database_url=tryton_sqlite_db)
    security.take_snapshot(target)
    return target


@pytest.fixture
def accountants(db):
    """sun.li maps by user name, zhao.min by the e-mail address; zhou.qiang has no account."""
    sun, _password = accounts.create_user(
        "sun.li", "li.sun@huaxin.example", Role.PORTAL_USER, password=PERSONA_PASSWORD
    )
    zhao, _password = accounts.create_user(
        "zhaomin", "zhao.min@huaxin.example", Role.PORTAL_USER, password=PERSONA_PASSWORD
    )
    return sun, zhao
