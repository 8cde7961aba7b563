"""Writing articles: versions and their diff, translations, votes, review tasks, files and a
resolved ticket turned into an article."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import (
    Article,
    ArticleLanguage,
    ArticleStatus,
    ReviewReason,
    ReviewTask,
)
from erpkeeper.servicedesk import services as desk
from erpkeeper.servicedesk.models import TicketStatus
from erpkeeper.servicedesk.services import IncomingFile
from tests.knowledge.conftest import publish


def test_every_saved_change_of_the_text_is_kept_as_a_version(helen, posting_invoices):
    services.update_article(posting_invoices, body="Open the draft and click Post.", actor=helen)
    services.update_article(posting_invoices, status=ArticleStatus.ARCHIVED, actor=helen)

    versions = list(posting_invoices.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].body == "Open the draft and click Post."
    assert versions[1].author == helen


def test_the_diff_between_two_versions_marks_the_changed_lines(posting_invoices):
    services.update_article(posting_invoices, body="Supplier invoices are posted nightly.")
    older, newer = posting_invoices.versions.order_by("number")

    table = services.version_diff(older, newer)

    assert "<table" in table and "diff_" in table
    assert "nightly" in table


def test_a_chinese_and_an_english_article_link_as_translations(void_invoice, posting_invoices):
    services.link_translation(void_invoice, posting_invoices)

    assert Article.objects.get(pk=void_invoice.pk).translation == posting_invoices
    assert Article.objects.get(pk=posting_invoices.pk).translation == void_invoice


def test_two_articles_in_the_same_language_are_no_translation(posting_invoices, helen):
    other = publish("Paying suppliers", "Use the payment wizard.", owner=helen)

    with pytest.raises(ValidationError):
        services.link_translation(other, posting_invoices)


def test_a_reader_votes_once_and_a_second_vote_replaces_the_first(paula, posting_invoices):
    services.vote(posting_invoices, paula, helpful=False, comment="Where is the menu?")
    services.vote(posting_invoices, paula, helpful=True)

    posting_invoices.refresh_from_db()
    assert (posting_invoices.helpful_yes, posting_invoices.helpful_no) == (1, 0)
    assert posting_invoices.votes.count() == 1


def test_a_past_review_date_raises_one_task_for_the_owner(helen, posting_invoices):
    services.update_article(posting_invoices, review_due=dt.date(2026, 1, 31))

    assert services.raise_review_tasks(today=dt.date(2026, 2, 1)) == 1
    assert services.raise_review_tasks(today=dt.date(2026, 2, 2)) == 0  # still open

    task = ReviewTask.objects.get()
    assert (task.reason, task.assignee) == (ReviewReason.DUE, helen)


def test_readers_finding_an_article_unhelpful_raise_a_review(posting_invoices, django_user_model):
    for number in range(5):
        reader = django_user_model.objects.create_user(f"reader{number}")
        services.vote(posting_invoices, reader, helpful=number == 0)

    assert services.raise_review_tasks() == 1
    assert ReviewTask.objects.get().reason == ReviewReason.UNHELPFUL


def test_saving_a_new_text_completes_the_open_review(helen, posting_invoices):
    services.update_article(posting_invoices, review_due=dt.date(2026, 1, 31))
    services.raise_review_tasks(today=dt.date(2026, 2, 1))

    services.update_article(posting_invoices, body="Reviewed: still right.", actor=helen)

    assert ReviewTask.objects.get().done_at is not None


def test_an_image_is_stored_outside_the_web_root_and_a_refused_type_is_not(
    posting_invoices, settings, tmp_path
):
    settings.HOME = tmp_path
    stored = services.attach_file(posting_invoices, IncomingFile("menu.png", b"\x89PNG data"))

    assert services.file_path(stored).read_bytes() == b"\x89PNG data"
    assert str(services.file_path(stored)).startswith(str(tmp_path / "knowledge"))
    with pytest.raises(ValidationError):
        services.attach_file(posting_invoices, IncomingFile("run.exe", b"MZ"))


@pytest.fixture
def resolved_ticket(db, paula, helen):
    ticket = desk.open_ticket(
        subject="月结时提示凭证不平衡",
        body="我是财务部的张丽 (paula@erp-users.example.com)，月结时提示凭证不平衡。",
        requester=paula,
        requester_name="张丽",
    )
    desk.reply(ticket, "请先在总账中检查未过账的凭证，过账后再月结。", author=helen)
    desk.change_status(ticket, TicketStatus.RESOLVED)
    return ticket


def test_a_resolved_ticket_becomes_a_draft_article_without_the_requesters_data(
    resolved_ticket, helen
):
    article = services.article_from_ticket(resolved_ticket, actor=helen)

    assert article.title == "月结时提示凭证不平衡"
    assert article.status == ArticleStatus.DRAFT
    assert article.language == ArticleLanguage.ZH_HANS
    assert "请先在总账中检查未过账的凭证" in article.body
    assert "张丽" not in article.body
    assert "paula" not in article.body
    assert article.source_ticket == resolved_ticket.number


def test_an_open_ticket_or_one_already_written_up_becomes_no_article(resolved_ticket, helen):
    services.article_from_ticket(resolved_ticket, actor=helen)
    with pytest.raises(ValidationError):
        services.article_from_ticket(resolved_ticket, actor=helen)

    fresh = desk.open_ticket(subject="Printer", body="Jammed.", requester_email="a@b.example")
    with pytest.raises(ValidationError):
        services.article_from_ticket(fresh, actor=helen)


def test_a_new_translation_pair_undoes_the_old_one(void_invoice, posting_invoices, helen):
    services.link_translation(void_invoice, posting_invoices)
    newer = publish("Voiding a VAT invoice", "Click Cancel.", owner=helen)

    services.link_translation(newer, void_invoice)

    assert Article.objects.get(pk=void_invoice.pk).translation == newer
    assert Article.objects.get(pk=posting_invoices.pk).translation is None
