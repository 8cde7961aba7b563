"""The knowledge base on the portal through Django's test client: suggestions while a ticket is
written, reading (counted when it came from a suggestion), votes, files and who sees what."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from erpkeeper.knowledge import services
from erpkeeper.servicedesk.services import IncomingFile

SUGGEST = reverse("portal:suggest")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_ticket_form_suggests_portal_articles_for_the_subject(paula, void_invoice):
    answer = signed_in(paula).get(SUGGEST, {"q": "发票作废"}).json()

    assert answer["articles"] == [
        {
            "title": "如何作废一张增值税发票",
            "url": reverse("kb-portal:article", args=[void_invoice.pk]) + "?from=suggestion",
        }
    ]


def test_internal_articles_are_never_suggested(paula, internal_runbook):
    assert signed_in(paula).get(SUGGEST, {"q": "invoice worker"}).json()["articles"] == []


def test_reading_from_a_suggestion_is_counted_once_for_the_desks_deflection(paula, void_invoice):
    client = signed_in(paula)
    url = reverse("kb-portal:article", args=[void_invoice.pk])

    first = client.get(url + "?from=suggestion")
    client.get(url)  # read again, not from a suggestion

    assert first.status_code == 302
    now = timezone.now()
    assert services.suggestion_reads(now - dt.timedelta(minutes=1), now, user=paula) == 1


def test_a_portal_user_searches_help_and_reads_the_article(paula, void_invoice):
    client = signed_in(paula)

    found = client.get(reverse("kb-portal:search"), {"q": "发票"})
    page = client.get(reverse("kb-portal:article", args=[void_invoice.pk]))

    assert "<mark>发票</mark>" in found.content.decode()
    assert "已认证的发票不能作废" in page.content.decode()


def test_an_internal_article_is_not_found_on_the_portal(paula, internal_runbook):
    response = signed_in(paula).get(reverse("kb-portal:article", args=[internal_runbook.pk]))

    assert response.status_code == 404


def test_was_this_helpful_records_the_readers_vote(paula, posting_invoices):
    url = reverse("kb-portal:article", args=[posting_invoices.pk])

    response = signed_in(paula).post(url, {"helpful": "no", "comment": "No screenshot."})

    assert response.status_code == 302
    vote = posting_invoices.votes.get()
    assert (vote.user, vote.helpful, vote.comment) == (paula, False, "No screenshot.")


def test_the_translation_is_linked_from_the_article(paula, void_invoice, posting_invoices):
    services.link_translation(void_invoice, posting_invoices)

    page = signed_in(paula).get(reverse("kb-portal:article", args=[posting_invoices.pk]))

    assert "如何作废一张增值税发票" in page.content.decode()


def test_an_articles_image_is_served_only_to_who_may_read_the_article(
    paula, posting_invoices, internal_runbook, settings, tmp_path
):
    settings.HOME = tmp_path
    image = services.attach_file(posting_invoices, IncomingFile("menu.png", b"\x89PNG"))
    hidden = services.attach_file(internal_runbook, IncomingFile("note.txt", b"secret"))
    client = signed_in(paula)

    shown = client.get(reverse("kb-portal:file", args=[posting_invoices.pk, image.pk]))
    refused = client.get(reverse("kb-portal:file", args=[internal_runbook.pk, hidden.pk]))

    assert b"".join(shown.streaming_content) == b"\x89PNG"
    assert refused.status_code == 404


def test_the_help_pages_need_a_signed_in_user(void_invoice):
    response = Client().get(reverse("kb-portal:article", args=[void_invoice.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
