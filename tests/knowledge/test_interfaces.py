"""The knowledge base through the API, the CLI and the console, and its PDF manual looked at
as pictures."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from django.urls import reverse

from erpkeeper.cli import main
from erpkeeper.knowledge.models import Article, ArticleStatus
from erpkeeper.servicedesk import services as desk
from erpkeeper.servicedesk.models import TicketStatus

ARTICLES = "/api/v1/articles/"


def test_the_api_searches_with_highlighted_snippets(helen, api_client_for, void_invoice):
    answer = api_client_for(helen).get(ARTICLES, {"q": "发票"}).json()

    assert answer["count"] == 1
    assert answer["results"][0]["title"] == "如何作废一张增值税发票"
    assert "<mark>发票</mark>" in answer["results"][0]["snippet"]


def test_an_agent_writes_and_edits_an_article_through_the_api(helen, api_client_for):
    client = api_client_for(helen)

    created = client.post(
        ARTICLES,
        {"title": "Closing a period", "body": "Close the period first.", "language": "en"},
        format="json",
    )
    article_id = created.json()["id"]
    client.patch(f"{ARTICLES}{article_id}/", {"body": "Close the fiscal period."}, format="json")
    diff = client.get(f"{ARTICLES}{article_id}/diff/", {"from": 1, "to": 2}).json()

    assert created.status_code == 201
    assert created.json()["owner"] == "helen"
    assert "fiscal" in diff["html"]


def test_bad_input_is_a_400_naming_the_field(helen, api_client_for):
    response = api_client_for(helen).post(
        ARTICLES, {"title": "", "body": "x", "kind": "poem"}, format="json"
    )

    assert response.status_code == 400
    assert {"title", "kind"} <= set(response.json())


def test_a_viewer_reads_articles_but_does_not_write_them(victor, api_client_for, internal_runbook):
    client = api_client_for(victor)

    assert client.get(f"{ARTICLES}{internal_runbook.pk}/").status_code == 200
    assert client.post(ARTICLES, {"title": "x", "body": "y"}, format="json").status_code == 403


@pytest.fixture
def resolved(db, desk_queue, paula, helen):
    ticket = desk.open_ticket(subject="Stock count differs", body="Off by 3.", requester=paula)
    desk.reply(ticket, "Post the inventory first, then count again.", author=helen)
    desk.change_status(ticket, TicketStatus.RESOLVED)
    return ticket


@pytest.fixture
def desk_queue(db):
    from erpkeeper.servicedesk.models import Queue

    return Queue.objects.first()


def test_a_resolved_ticket_becomes_an_article_through_the_api(helen, api_client_for, resolved):
    response = api_client_for(helen).post(
        f"{ARTICLES}from-ticket/", {"ticket": resolved.number}, format="json"
    )

    assert response.status_code == 201
    assert "Post the inventory first" in response.json()["body"]


def test_the_cli_searches_and_writes_an_article_from_a_ticket(helen, resolved, capsys):
    assert main(["--as", "helen", "--json", "kb", "from-ticket", resolved.number]) == 0
    written = json.loads(capsys.readouterr().out)
    Article.objects.filter(pk=written["id"]).update(status=ArticleStatus.PUBLISHED)
    from erpkeeper.knowledge import services

    services.reindex()

    assert main(["--json", "kb", "search", "stock", "counting"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [row["title"] for row in found] == ["Stock count differs"]


def test_the_cli_refuses_bad_input_with_exit_code_2(helen, capsys):
    assert main(["kb", "search"]) == 2
    assert main(["--as", "paula-unknown", "kb", "list"]) != 0


def test_the_cli_reindexes_from_scratch(void_invoice, posting_invoices, capsys):
    assert main(["--json", "kb", "reindex"]) == 0

    assert json.loads(capsys.readouterr().out)["articles"] == 2


def test_the_console_search_page_shows_highlighted_snippets(
    helen, console_client_for, posting_invoices
):
    page = console_client_for(helen).get(
        reverse("admin:knowledge_article_search"), {"q": "invoice"}
    )

    assert page.status_code == 200
    assert "<mark>invoices</mark>" in page.content.decode()


def test_the_console_shows_the_changes_between_versions(
    helen, console_client_for, posting_invoices
):
    from erpkeeper.knowledge import services

    services.update_article(posting_invoices, body="Post them every evening.")

    page = console_client_for(helen).get(
        reverse("admin:knowledge_article_diff", args=[posting_invoices.pk])
    )

    assert "evening" in page.content.decode()


def test_the_ticket_list_offers_writing_an_article(helen, console_client_for, resolved):
    client = console_client_for(helen)

    response = client.post(
        reverse("admin:servicedesk_ticket_changelist") + "?active=no",  # resolved or closed
        {"action": "write_article", "_selected_action": [resolved.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert Article.objects.get(source_ticket=resolved.number).status == ArticleStatus.DRAFT


needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdffonts")), reason="needs poppler-utils"
)


@needs_poppler
def test_a_category_exports_as_a_pdf_manual_whose_pages_show_the_chinese_text(
    helen, manual, void_invoice, tmp_path, capsys
):
    target = tmp_path / "manual.pdf"
    assert (
        main(["kb", "export-manual", str(manual.pk), "--language", "zh-hans", "-o", str(target)])
        == 0
    )

    fonts = subprocess.run(["pdffonts", str(target)], capture_output=True, text=True).stdout
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True).stdout
    subprocess.run(
        [
            "pdftoppm",
            "-gray",
            "-r",
            "40",
            "-f",
            "3",
            "-l",
            "3",
            str(target),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    (picture,) = tmp_path.glob("page*.pgm")
    assert "CJK" in fonts
    assert "如何作废一张增值税发票" in text  # on the contents page and as the chapter's title
    assert dark_share(picture.read_bytes()) > 0.002  # the page shows text, not boxes or blank


def dark_share(pgm: bytes) -> float:
    """The share of dark pixels in a binary PGM (P5) picture."""
    header, _, rest = pgm.partition(b"\n255\n")
    pixels = rest
    return sum(1 for value in pixels if value < 128) / max(len(pixels), 1)


def test_an_agent_writes_an_article_in_the_console_and_links_its_translation(
    helen, console_client_for, void_invoice
):
    client = console_client_for(helen)
    form = {
        "title": "Voiding a VAT invoice",
        "kind": "howto",
        "language": "en",
        "translation_of": void_invoice.pk,
        "position": 0,
        "visibility": "portal",
        "status": "published",
        "body": "Open the customer invoice and click **Cancel**.",
    }

    response = client.post(reverse("admin:knowledge_article_add"), form)

    assert response.status_code == 302
    article = Article.objects.get(title="Voiding a VAT invoice")
    assert (article.owner, article.translation) == (helen, void_invoice)
    page = client.get(reverse("admin:knowledge_article_change", args=[article.pk]))
    assert "<strong>Cancel</strong>" in page.content.decode()


def test_the_console_refuses_a_translation_in_the_same_language(
    helen, console_client_for, posting_invoices
):
    form = {
        "title": "Another English article",
        "kind": "howto",
        "language": "en",
        "translation_of": posting_invoices.pk,
        "position": 0,
        "visibility": "internal",
        "status": "draft",
        "body": "Text.",
    }

    response = console_client_for(helen).post(reverse("admin:knowledge_article_add"), form)

    assert response.status_code == 200
    assert not Article.objects.filter(title="Another English article").exists()


def test_the_cli_lists_and_shows_articles_and_raises_review_tasks(helen, posting_invoices, capsys):
    from erpkeeper.knowledge import services

    services.update_article(posting_invoices, body="New text.", review_due="2020-01-01")

    assert main(["--json", "kb", "list", "--status", "published"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert main(["--json", "kb", "show", str(posting_invoices.pk)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert main(["--json", "kb", "reviews"]) == 0
    raised = json.loads(capsys.readouterr().out)

    assert [row["title"] for row in listed] == ["Posting supplier invoices"]
    assert [v["number"] for v in shown["versions"]] == [2, 1]
    assert raised == {"raised": 1}
    assert main(["kb", "show", "987654"]) == 3


@pytest.mark.parametrize(
    "url_name",
    [
        "knowledge_article_changelist",
        "knowledge_category_changelist",
        "knowledge_reviewtask_changelist",
    ],
)
def test_the_console_lists_open_for_an_agent_and_a_viewer(
    url_name, helen, victor, console_client_for, posting_invoices
):
    for user in (helen, victor):
        assert console_client_for(user).get(reverse(f"admin:{url_name}")).status_code == 200


def test_a_category_exports_its_manual_from_the_console(
    helen, console_client_for, manual, void_invoice
):
    response = console_client_for(helen).post(
        reverse("admin:knowledge_category_changelist"),
        {"action": "manual_zh", "_selected_action": [manual.pk]},
    )

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
