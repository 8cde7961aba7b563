"""What the knowledge base tests share: a published portal article in Chinese and one in
English, an internal one, and a portal user; for training, a published course of two articles
with a two-question quiz, the demo ERP with an access snapshot, and ERP accountants with
platform accounts."""

from __future__ import annotations

import pytest

from erpkeeper.accounts import services as accounts
from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import (
    ArticleLanguage,
    ArticleStatus,
    Category,
    CourseState,
    Visibility,
)
from erpkeeper.lib.roles import Role
from erpkeeper.security import services as security
from erpkeeper.targets.services import add_target
from tests.fixtures.personas import PERSONA_PASSWORD
from tests.knowledge.training import QUESTIONS


@pytest.fixture
def paula(db):
    user, _generated = accounts.create_user(
        "paula", "paula@erp-users.example.com", Role.PORTAL_USER, password=PERSONA_PASSWORD
    )
    return user


@pytest.fixture
def manual(db):
    return Category.objects.create(name="财务操作手册")


def publish(title, body, *, language=ArticleLanguage.EN, visibility=Visibility.PORTAL, **fields):
    return services.create_article(
        title=title,
        body=body,
        language=language,
        visibility=visibility,
        status=ArticleStatus.PUBLISHED,
        **fields,
    )


@pytest.fixture
def void_invoice(helen, manual):
    return publish(
        "如何作废一张增值税发票",
        "在 Tryton 中打开客户发票，点击“取消”，然后重新开具。已认证的发票不能作废。",
        language=ArticleLanguage.ZH_HANS,
        category=manual,
        owner=helen,
    )


@pytest.fixture
def posting_invoices(helen, manual):
    return publish(
        "Posting supplier invoices",
        "Supplier invoices are posted from the Invoices menu: open the draft, check the "
        "lines and click Post.",
        category=manual,
        owner=helen,
    )


@pytest.fixture
def internal_runbook(helen):
    return publish(
        "Restarting the invoice worker",
        "Only the ops team restarts the invoice worker: systemctl restart trytond-worker.",
        visibility=Visibility.INTERNAL,
        owner=helen,
    )


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
