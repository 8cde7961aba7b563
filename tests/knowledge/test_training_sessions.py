"""Workshops and seminars: a date, a speaker, a place or link, materials (articles and files),
who was invited and who came; a calendar file when icalendar is installed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import SessionAttendance, TrainingSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(helen):
    return services.save_session(
        title="月结操作讲解",
        kind="workshop",
        starts=timezone.now() + dt.timedelta(days=3),
        minutes=90,
        speaker=helen,
        place="3F meeting room",
        link="https://meet.example.com/close",
    )


def test_a_writer_plans_a_session_with_materials_and_attendance_through_the_api(
    helen, victor, api_client_for, posting_invoices
):
    client = api_client_for(helen)
    created = client.post(
        "/api/v1/training-sessions/",
        {"title": "Month-end close", "kind": "seminar", "starts": "2026-12-20T09:00:00+08:00",
         "speaker": "helen", "place": "Room 3"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    url = f"/api/v1/training-sessions/{created.json()['id']}/"
    added = client.post(url + "materials/", {"article": posting_invoices.pk}, format="json")
    assert added.status_code == 201
    upload = SimpleUploadedFile("slides.pdf", b"%PDF-1.4 slides", content_type="application/pdf")
    assert client.post(url + "materials/", {"file": upload}, format="multipart").status_code == 201
    assert client.post(url + "attendance/", {"user": "victor"}, format="json").status_code == 200
    came = client.post(url + "attendance/", {"user": "victor", "state": "attended"}, format="json")
    body = came.json()
    assert body["attendance"] == [{"user": "victor", "state": "attended"}]
    assert {m["file_name"] for m in body["materials"]} == {"", "slides.pdf"}
    assert client.post(url + "materials/", {}, format="json").status_code == 400


def test_a_bad_meeting_link_is_refused(helen, api_client_for):
    response = api_client_for(helen).post(
        "/api/v1/training-sessions/",
        {"title": "X", "starts": "2026-12-20T09:00:00Z", "link": "not a link"},
        format="json",
    )
    assert response.status_code == 400 and "link" in response.json()
    assert not TrainingSession.objects.exists()


def test_invitations_keep_who_already_came(workshop, victor, mark):
    assert services.invite(workshop, [victor, mark]) == 2
    services.set_attendance(workshop, victor, "attended")
    assert services.invite(workshop, [victor]) == 0
    assert SessionAttendance.objects.get(user=victor).state == "attended"


def test_a_session_is_a_calendar_event_when_icalendar_is_installed(workshop, helen, api_client_for):
    response = api_client_for(helen).get(f"/api/v1/training-sessions/{workshop.pk}/ics/")
    if not services.calendar_available():
        assert response.status_code == 501
        return
    text = response.content.decode()
    assert response.status_code == 200 and "BEGIN:VEVENT" in text and "3F meeting room" in text
    assert "月结操作讲解" in text
