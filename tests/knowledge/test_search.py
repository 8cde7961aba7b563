"""Search over the real index (FTS5 on SQLite; a tsvector on PostgreSQL when the platform
database is PostgreSQL, see scripts/test-platform-postgres): Chinese words, English stems,
pinyin initials, ranking, snippets and who may find what."""

from __future__ import annotations

from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import ArticleIndex
from erpkeeper.knowledge.search import Scope, search


def titles(hits):
    return [hit.title for hit in hits]


def test_a_two_character_chinese_word_finds_the_article_that_contains_it(void_invoice):
    hits = search("发票", Scope(portal=True))

    assert titles(hits) == ["如何作废一张增值税发票"]
    assert "<mark>发票</mark>" in hits[0].snippet


def test_a_longer_chinese_question_finds_it_by_its_words(void_invoice, posting_invoices):
    assert titles(search("怎么作废发票", Scope(portal=True))) == ["如何作废一张增值税发票"]


def test_an_english_word_finds_its_other_forms(posting_invoices, void_invoice):
    hits = search("invoice", Scope(portal=True))

    assert titles(hits) == ["Posting supplier invoices"]
    assert "<mark>invoices</mark>" in hits[0].snippet


def test_pinyin_initials_of_a_title_word_find_it(void_invoice):
    assert titles(search("fp", Scope(portal=True))) == ["如何作废一张增值税发票"]


def test_articles_with_every_word_come_alone_and_those_with_most_words_when_none_has_all(
    posting_invoices, void_invoice, helen
):
    from tests.knowledge.conftest import publish

    publish("Supplier payments", "Pay suppliers by bank transfer.", owner=helen)

    assert titles(search("supplier invoice", Scope(portal=True))) == ["Posting supplier invoices"]
    # No title has all four words: the one with two of them comes before those with one.
    assert titles(search("Cannot post supplier payroll", Scope(portal=True))) == [
        "Posting supplier invoices"
    ]
    assert sorted(titles(search("Cannot pay a supplier today", Scope(portal=True)))) == [
        "Posting supplier invoices",
        "Supplier payments",
    ]


def test_a_title_match_ranks_above_a_match_in_the_text(helen):
    from tests.knowledge.conftest import publish

    publish("Credit notes", "A credit note cancels part of an invoice.", owner=helen)
    publish("Invoice numbering", "Numbers come from the fiscal year's sequence.", owner=helen)

    assert titles(search("invoice", Scope(portal=True))) == ["Invoice numbering", "Credit notes"]


def test_portal_users_never_find_internal_articles_or_drafts(internal_runbook, posting_invoices):
    services.update_article(posting_invoices, status="draft")

    assert search("invoice worker", Scope(portal=True)) == []
    assert search("invoices", Scope(portal=True)) == []
    assert titles(search("invoice worker", Scope(portal=False))) == [
        "Restarting the invoice worker"
    ]


def test_query_syntax_is_taken_as_words_not_operators(posting_invoices):
    assert titles(search('invoices" NOT "posted', Scope(portal=True))) == [
        "Posting supplier invoices"
    ]
    assert search("NEAR(", Scope(portal=True)) == []
    assert search("***", Scope(portal=True)) == []


def test_an_edited_article_is_found_by_its_new_words_only(posting_invoices):
    services.update_article(posting_invoices, body="Payments are matched to bank statements.")

    assert search("lines", Scope(portal=True)) == []
    assert titles(search("statement", Scope(portal=True))) == ["Posting supplier invoices"]


def test_a_rebuilt_index_finds_what_the_old_one_did(void_invoice, posting_invoices):
    ArticleIndex.objects.all().delete()
    assert search("发票", Scope(portal=True)) == []

    assert services.reindex() == 2

    assert titles(search("发票", Scope(portal=True))) == ["如何作废一张增值税发票"]
    assert titles(search("invoicing", Scope(portal=True))) == ["Posting supplier invoices"]
