"""Training for the demo: a few help articles, two courses made of them (one in English, one
in Chinese, each with a quiz), and the English one assigned to everyone in the demo ERP's
"Accounting" group, read from the ERP's access snapshot (taken now if there is none).

Two of the ERP's accountants get portal accounts without a password (an administrator gives
them one to try the portal's *My training*): sun.li by user name, zhao.min by e-mail address;
the third stays "not mapped", as an ERP user without a platform account would. Idempotent:
courses are found by title, users by name; nothing is made twice.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from erpkeeper.accounts.roles import Role
from erpkeeper.accounts.services import create_user
from erpkeeper.core.audit import audit_context
from erpkeeper.knowledge import services as knowledge
from erpkeeper.knowledge.models import (
    Article,
    ArticleLanguage,
    ArticleStatus,
    AssignmentKind,
    Category,
    Course,
    CourseState,
    Visibility,
)
from erpkeeper.security import services as security
from erpkeeper.security.services import SnapshotFailed
from erpkeeper.targets.models import Target

DEMO_TARGET = "demo-tryton"
ERP_GROUP = "Accounting"
LEARNERS = (("sun.li", "sun.li@huaxin.example"), ("zhaomin", "zhao.min@huaxin.example"))
CATEGORY = "Finance (demo)"
ARTICLES = {
    "supplier-draft": (
        "Entering a supplier invoice",
        "Open **Financial > Invoices > Supplier Invoices**, click *New*, choose the supplier "
        "and the invoice date, then add one line per product or expense account.",
        ArticleLanguage.EN,
    ),
    "supplier-post": (
        "Posting supplier invoices",
        "Check the lines and the taxes, then click **Post**. A posted invoice creates its "
        "account move and can no longer be edited: cancel it and credit it instead.",
        ArticleLanguage.EN,
    ),
    "vat-void": (
        "如何作废一张增值税发票",
        "在 Tryton 中打开客户发票，点击“取消”，然后重新开具。"
        "已认证的发票不能作废，只能开红字发票。",
        ArticleLanguage.ZH_HANS,
    ),
}
COURSES = (
    {
        "title": "Posting supplier invoices",
        "language": ArticleLanguage.EN,
        "description": "For everyone in the ERP's Accounting group.",
        "steps": ("supplier-draft", "supplier-post"),
        "questions": [
            {
                "text": "What does posting a supplier invoice create?",
                "kind": "single",
                "options": [
                    {"text": "An account move", "correct": True},
                    {"text": "A purchase order"},
                    {"text": "A shipment"},
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
        ],
    },
    {
        "title": "增值税发票作废流程",
        "language": ArticleLanguage.ZH_HANS,
        "description": "财务人员必修。",
        "steps": ("vat-void",),
        "questions": [
            {
                "text": "已认证的增值税发票可以作废吗？",
                "kind": "single",
                "options": [
                    {"text": "不可以，只能开红字发票", "correct": True},
                    {"text": "可以，直接点击“取消”"},
                ],
            }
        ],
    },
)


def ensure_demo_training() -> dict:
    """Build what is missing; returns what was made (all zero on a second run)."""
    made = {"courses": 0, "learners": 0, "not_mapped": 0}
    with audit_context(actor_name="system:demo", source="system"), transaction.atomic():
        articles = _articles()
        for spec in COURSES:
            if not Course.objects.filter(title=spec["title"]).exists():
                _course(spec, articles)
                made["courses"] += 1
    target = Target.objects.filter(name=DEMO_TARGET).first()
    course = Course.objects.filter(title=COURSES[0]["title"]).first()
    if target is not None and course is not None and not course.assignments.exists():
        made.update(_assign(course, target))
    return made


def _articles() -> dict[str, Article]:
    category, _created = Category.objects.get_or_create(name=CATEGORY, parent=None)
    found = {}
    for key, (title, body, language) in ARTICLES.items():
        article = Article.objects.filter(title=title).first()
        found[key] = article or knowledge.create_article(
            title=title,
            body=body,
            language=language,
            category=category,
            visibility=Visibility.PORTAL,
            status=ArticleStatus.PUBLISHED,
        )
    return found


def _course(spec: dict, articles: dict[str, Article]) -> Course:
    return knowledge.create_course(
        title=spec["title"],
        language=spec["language"],
        description=spec["description"],
        pass_mark=80,
        state=CourseState.PUBLISHED,
        steps=[articles[key] for key in spec["steps"]],
        questions=spec["questions"],
    )


def _learners() -> None:
    users = get_user_model().objects
    for username, email in LEARNERS:
        if not users.filter(username=username).exists():
            create_user(username, email, Role.PORTAL_USER, usable_password=False)


def _assign(course: Course, target: Target) -> dict:
    """Assign by the ERP group; without a snapshot of the demo ERP, take one first."""
    with audit_context(actor_name="system:demo", source="system"):
        _learners()
        try:
            security.latest_snapshot(target)
        except security.SnapshotMissing:
            try:
                security.take_snapshot(target)
            except SnapshotFailed:
                return {}
        _assignment, result = knowledge.assign_course(
            course,
            kind=AssignmentKind.ERP_GROUP,
            target=target,
            erp_group=ERP_GROUP,
            due_date=timezone.localdate() + dt.timedelta(days=14),
        )
    return {"learners": result.added, "not_mapped": len(result.not_mapped)}
