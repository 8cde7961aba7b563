"""The portal for ERP end users through Django's test client: the role, the sign-in, opening,
following, reopening and rating a ticket, and who sees what."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import erpkeeper
from erpkeeper.accounts import services as accounts
from erpkeeper.accounts.models import Profile
from erpkeeper.core.models import AuditEntry
from erpkeeper.lib.roles import Role
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import (
    Announcement,
    AnnouncementLevel,
    Attachment,
    Priority,
    Ticket,
    TicketKind,
    TicketStatus,
    Via,
)
from erpkeeper.servicedesk.services import IncomingFile
from tests.fixtures.personas import PERSONA_PASSWORD

TICKETS = reverse("portal:tickets")
NEW = reverse("portal:ticket-new")


def make_portal_user(name: str):
    user, _generated = accounts.create_user(
        name, f"{name}@erp-users.example.com", Role.PORTAL_USER, password=PERSONA_PASSWORD
    )
    return user


@pytest.fixture
def paula(db):
    return make_portal_user("paula")


@pytest.fixture
def peter(db):
    return make_portal_user("peter")


@pytest.fixture
def portal_client(paula):
    client = Client()
    client.force_login(paula)
    return client


def open_for(user, subject="Invoice will not post", **fields):
    return services.open_ticket(subject=subject, body="It fails.", requester=user, **fields)


def new_ticket_data(**overrides):
    data = {
        "subject": "Cannot confirm a sale",
        "category": "error",
        "erp_module": "sale",
        "target": "",
        "impact": "high",
        "urgency": "high",
        "body": "The Confirm button gives an error since this morning.",
    }
    return {**data, **overrides}


# -- the role -------------------------------------------------------------------------------------


def test_portal_users_are_not_staff_and_have_no_permission(paula):
    assert not paula.is_staff
    assert accounts.user_roles(paula) == [Role.PORTAL_USER]
    assert not paula.get_all_permissions()


def test_changing_the_role_gives_and_takes_the_console(paula):
    accounts.set_role(paula, Role.VIEWER)
    assert paula.is_staff
    accounts.set_role(paula, Role.PORTAL_USER)
    assert not paula.is_staff


def test_portal_users_are_kept_away_from_the_console_and_the_api(portal_client):
    assert portal_client.get("/").url == "/portal/"
    assert portal_client.get("/servicedesk/ticket/").url == "/portal/"
    assert portal_client.get("/api/v1/tickets/").status_code == 403
    # Not even an API token of their own: the portal is all they get.
    assert portal_client.post("/api/v1/tokens/", {"name": "mine"}).status_code == 403


# -- signing in -----------------------------------------------------------------------------------


def test_sign_in_page_signs_in_and_goes_to_my_tickets(paula, desk):
    client = Client()
    page = client.get(reverse("portal:login"))
    assert page.status_code == 200
    answer = client.post(
        reverse("portal:login"), {"username": "paula", "password": PERSONA_PASSWORD}
    )
    assert answer.url == TICKETS


def test_pages_need_signing_in_on_the_portal_page(db):
    answer = Client().get(TICKETS)
    assert answer.url.startswith(reverse("portal:login") + "?next=")


def test_sign_in_refuses_an_open_redirect(paula):
    answer = Client().post(
        reverse("portal:login") + "?next=https://evil.example.com/",
        {"username": "paula", "password": PERSONA_PASSWORD, "next": "https://evil.example.com/"},
    )
    assert answer.url == TICKETS


def test_wrong_passwords_lock_out_as_on_the_console(paula):
    client = Client()
    for _attempt in range(5):
        client.post(reverse("portal:login"), {"username": "paula", "password": "wrong"})
    answer = client.post(
        reverse("portal:login"), {"username": "paula", "password": PERSONA_PASSWORD}
    )
    assert answer.status_code == 429
    assert 'id="locked-out"' in answer.content.decode()  # the portal's page, not the console's


def test_one_time_password_is_changed_on_the_portal(db):
    user, generated = accounts.create_user("nora", "nora@erp-users.example.com", Role.PORTAL_USER)
    client = Client()
    client.post(reverse("portal:login"), {"username": "nora", "password": generated})
    assert client.get(TICKETS).url == reverse("portal:password")
    assert client.get("/").url == "/portal/password/"
    answer = client.post(
        reverse("portal:password"),
        {
            "old_password": generated,
            "new_password1": "a long phrase of my own",
            "new_password2": "a long phrase of my own",
        },
    )
    assert answer.url == TICKETS
    assert not Profile.objects.get(user=user).must_change_password
    assert client.get(TICKETS).status_code == 200


def test_a_console_user_may_use_the_portal_too(helen, desk):
    client = Client()
    client.force_login(helen)
    assert client.get(TICKETS).status_code == 200


def test_sign_out(portal_client):
    portal_client.post(reverse("portal:logout"))
    assert portal_client.get(TICKETS).status_code == 302


# -- opening a ticket -----------------------------------------------------------------------------


def test_open_a_ticket_with_a_file(portal_client, paula, desk, shop, attachment_store):
    data = new_ticket_data(target=shop.pk)
    data["attachments"] = [SimpleUploadedFile("error.txt", b"Traceback ...")]
    answer = portal_client.post(NEW, data)
    ticket = Ticket.objects.get(requester=paula)
    assert answer.url == reverse("portal:ticket", args=[ticket.number])
    assert ticket.priority == Priority.P1  # high impact, high urgency
    assert ticket.target == shop
    assert ticket.messages.first().via == Via.PORTAL
    entry = AuditEntry.objects.filter(
        object_type="servicedesk.ticket", object_id=str(ticket.pk)
    ).first()
    assert (entry.actor_name, entry.source) == ("paula", "portal")
    stored = Attachment.objects.get(ticket=ticket)
    assert (attachment_store / stored.stored_name).read_bytes() == b"Traceback ..."


def test_the_acknowledgement_is_in_the_language_the_portal_was_read_in(portal_client, paula, desk):
    # A Chinese word in the subject, but the page was read in English (no language chosen).
    portal_client.post(NEW, new_ticket_data(subject="发票 cannot be posted"))
    ticket = Ticket.objects.get(requester=paula)
    acknowledgement = ticket.messages.get(via=Via.SYSTEM)
    assert acknowledgement.body.startswith("We have received your request")


def test_a_forbidden_or_oversized_file_refuses_the_ticket(
    portal_client, paula, desk, settings, attachment_store
):
    settings.SERVICEDESK_ATTACHMENT_MAX_MB = 1
    data = new_ticket_data()
    data["attachments"] = [
        SimpleUploadedFile("run.exe", b"MZ"),
        SimpleUploadedFile("big.pdf", b"x" * (1024 * 1024 + 1)),
    ]
    answer = portal_client.post(NEW, data)
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "run.exe" in text and "big.pdf" in text
    assert not Ticket.objects.exists()
    assert not any(attachment_store.rglob("*")) if attachment_store.exists() else True


def test_the_form_needs_a_description(portal_client, desk):
    answer = portal_client.post(NEW, new_ticket_data(body=""))
    assert answer.status_code == 200
    assert not Ticket.objects.exists()


def test_suggestions_hook_answers_an_empty_list(portal_client):
    answer = portal_client.get(reverse("portal:suggest"), {"q": "invoice posting"})
    assert answer.json() == {"articles": []}


def test_suggestions_show_what_the_hook_finds(portal_client, monkeypatch):
    monkeypatch.setattr(
        services.portal, "suggest_articles", lambda text: [{"title": text, "url": "/kb/1/"}]
    )
    answer = portal_client.get(reverse("portal:suggest"), {"q": "posting"})
    assert answer.json() == {"articles": [{"title": "posting", "url": "/kb/1/"}]}


# -- only one's own tickets -----------------------------------------------------------------------


def test_a_portal_user_sees_only_their_own_tickets(portal_client, paula, peter, desk):
    mine = open_for(paula, "Mine")
    theirs = open_for(peter, "Theirs")
    messages_before = theirs.messages.count()
    listing = portal_client.get(TICKETS).content.decode()
    assert mine.number in listing and theirs.number not in listing
    assert portal_client.get(reverse("portal:ticket", args=[theirs.number])).status_code == 404
    reply = portal_client.post(reverse("portal:ticket-reply", args=[theirs.number]), {"body": "x"})
    assert reply.status_code == 404
    rate = portal_client.post(reverse("portal:ticket-rate", args=[theirs.number]), {"rating": 1})
    assert rate.status_code == 404
    assert theirs.messages.count() == messages_before


def test_files_only_to_who_may_see_the_ticket(portal_client, paula, peter, desk, attachment_store):
    file = IncomingFile("theirs.txt", b"secret")
    theirs = services.open_ticket(subject="Theirs", body="x", requester=peter, attachments=[file])
    attachment = theirs.attachments.get()
    url = reverse("portal:attachment", args=[theirs.number, attachment.pk])
    assert portal_client.get(url).status_code == 404
    # ... even through a ticket of one's own number.
    mine = open_for(paula)
    url = reverse("portal:attachment", args=[mine.number, attachment.pk])
    assert portal_client.get(url).status_code == 404


def test_internal_notes_and_their_files_stay_hidden(
    portal_client, paula, helen, desk, attachment_store
):
    ticket = open_for(paula)
    services.reply(
        ticket,
        "Internal: the customer's data is broken",
        author=helen,
        public=False,
        attachments=[IncomingFile("note.txt", b"internal")],
    )
    services.reply(ticket, "We are looking into it.", author=helen)
    page = portal_client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert "We are looking into it." in page
    assert "Internal:" not in page and "note.txt" not in page
    note_file = Attachment.objects.get(file_name="note.txt")
    url = reverse("portal:attachment", args=[ticket.number, note_file.pk])
    assert portal_client.get(url).status_code == 404


def test_own_file_downloads_as_an_attachment(portal_client, paula, desk, attachment_store):
    ticket = services.open_ticket(
        subject="With a file",
        body="x",
        requester=paula,
        attachments=[IncomingFile("screen.png", b"\x89PNG")],
    )
    attachment = ticket.attachments.get()
    answer = portal_client.get(reverse("portal:attachment", args=[ticket.number, attachment.pk]))
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith("attachment")
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert b"".join(answer.streaming_content) == b"\x89PNG"


def test_posts_need_the_csrf_token(paula, desk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(paula)
    assert client.post(NEW, new_ticket_data()).status_code == 403


# -- following, reopening, rating -----------------------------------------------------------------


def test_reply_reopen_and_rate(portal_client, paula, helen, desk):
    ticket = open_for(paula)
    services.reply(ticket, "Try again now.", author=helen)
    services.change_status(Ticket.objects.get(pk=ticket.pk), TicketStatus.RESOLVED)
    page = reverse("portal:ticket", args=[ticket.number])
    assert "rating-form" in portal_client.get(page).content.decode()

    answer = portal_client.post(
        reverse("portal:ticket-rate", args=[ticket.number]), {"rating": 4, "comment": "Quick"}
    )
    assert answer.url == page
    ticket.refresh_from_db()
    assert (ticket.csat_rating, ticket.csat_comment) == (4, "Quick")

    portal_client.post(reverse("portal:ticket-reply", args=[ticket.number]), {"body": "Again"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.reopen_count == 1
    assert ticket.messages.last().via == Via.PORTAL


def test_a_rating_out_of_range_is_refused(portal_client, paula, desk):
    ticket = open_for(paula)
    services.change_status(ticket, TicketStatus.RESOLVED)
    answer = portal_client.post(reverse("portal:ticket-rate", args=[ticket.number]), {"rating": 9})
    assert answer.status_code == 200
    ticket.refresh_from_db()
    assert ticket.csat_rating is None


def test_no_reopening_after_the_set_number_of_days(portal_client, paula, desk, settings):
    settings.SERVICEDESK_REOPEN_DAYS = 7
    ticket = open_for(paula)
    services.change_status(ticket, TicketStatus.RESOLVED)
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - dt.timedelta(days=8))
    page = portal_client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert "reply-form" not in page
    answer = portal_client.post(
        reverse("portal:ticket-reply", args=[ticket.number]), {"body": "Still broken"}
    )
    assert answer.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED


# -- notices --------------------------------------------------------------------------------------


def test_maintenance_windows_and_major_incidents_show(portal_client, desk, shop):
    soon = timezone.now() + dt.timedelta(days=2)
    shop.maintenance_windows.create(
        weekday=soon.weekday(),
        start_time=dt.time(2, 0),
        duration_minutes=120,
        time_zone="UTC",
        description="ERP upgrade",
    )
    services.open_or_update_incident(shop, "Database down", alert_id=1, severity="critical")
    page = portal_client.get(TICKETS).content.decode()
    assert "ERP upgrade" in page
    assert 'data-testid="major-incident"' in page and "shop" in page


def test_no_banner_without_a_p1_incident(portal_client, paula, desk):
    open_for(paula, impact="high", urgency="high")  # a P1 request, not an incident
    assert Ticket.objects.filter(kind=TicketKind.REQUEST, priority=Priority.P1).exists()
    assert "major-incident" not in portal_client.get(TICKETS).content.decode()


def test_the_portal_speaks_chinese(portal_client, paula):
    accounts.set_language(paula, "zh-hans")
    page = portal_client.get(TICKETS)
    assert page["Content-Language"] == "zh-hans"


def test_announcements_show_while_they_last(portal_client):
    now = timezone.now()
    Announcement.objects.create(
        title="New invoice layout on Monday", level=AnnouncementLevel.WARNING
    )
    Announcement.objects.create(title="Over", ends=now - dt.timedelta(hours=1))
    Announcement.objects.create(title="Later", starts=now + dt.timedelta(days=1))
    page = portal_client.get(TICKETS).content.decode()
    assert "New invoice layout on Monday" in page
    assert "Over" not in page and "Later" not in page


def test_every_class_of_the_portal_is_in_its_stylesheet():
    root = Path(erpkeeper.__file__).parent / "servicedesk"
    css = (root / "static" / "servicedesk" / "portal.css").read_text()
    defined = set(re.findall(r"\.([\w-]+)", css))
    used = set()
    for template in (root / "templates" / "servicedesk" / "portal").glob("*.html"):
        for attribute in re.findall(r'class="([^"{}%]*)"', template.read_text()):
            used.update(attribute.split())
    assert used - defined == set()


def test_the_language_switch_stays_on_the_portal(portal_client, paula):
    answer = portal_client.post(reverse("set_language"), {"language": "zh-hans", "next": TICKETS})
    assert answer.url == TICKETS
    assert Profile.objects.get(user=paula).language == "zh-hans"
    evil = portal_client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example.com/"}
    )
    assert not evil.url.startswith("https://evil")


def test_a_merged_ticket_leads_to_the_one_it_was_merged_into(portal_client, paula, helen, desk):
    duplicate, kept = open_for(paula, "Twice"), open_for(paula, "Once")
    services.merge(duplicate, kept, author=helen)
    assert duplicate.number not in portal_client.get(TICKETS).content.decode()
    answer = portal_client.get(reverse("portal:ticket", args=[duplicate.number]))
    assert answer.url == reverse("portal:ticket", args=[kept.number])
