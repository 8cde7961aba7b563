"""What the knowledge base tests share: a published portal article in Chinese and one in
English, an internal one, and a portal user."""

from __future__ import annotations

import pytest

from erpkeeper.accounts import services as accounts
from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import ArticleLanguage, ArticleStatus, Category, Visibility
from erpkeeper.lib.roles import Role
from tests.fixtures.personas import PERSONA_PASSWORD


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
