"""The training pages of the console open for who may see them: the lists and forms of
courses, questions, assignments, progress and sessions; an assignment made in the console
enrols its learners and says how many; *My training* for everyone in the team."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import CourseAssignment, TrainingSession

pytestmark = pytest.mark.django_db

PAGES = [
    "admin:knowledge_course_changelist",
    "admin:knowledge_course_add",
    "admin:knowledge_question_changelist",
    "admin:knowledge_courseassignment_changelist",
    "admin:knowledge_courseassignment_add",
    "admin:knowledge_enrolment_changelist",
    "admin:knowledge_trainingsession_changelist",
    "admin:knowledge_trainingsession_add",
    "admin:knowledge_my_training",
    "admin:knowledge_verify_certificate",
    "admin:knowledge_reports",
]


def test_every_training_page_opens_for_an_administrator(alice, console_client_for, course):
    client = console_client_for(alice)
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
    question = course.questions.first()
    assert client.get(reverse("admin:knowledge_course_change", args=[course.pk])).status_code == 200
    page = client.get(reverse("admin:knowledge_question_change", args=[question.pk]))
    assert page.status_code == 200


def test_a_viewer_reads_progress_but_assigns_nothing(victor, console_client_for, course):
    client = console_client_for(victor)
    assert client.get(reverse("admin:knowledge_enrolment_changelist")).status_code == 200
    assert client.get(reverse("admin:knowledge_courseassignment_add")).status_code == 403
    assert client.get(reverse("admin:knowledge_my_training")).status_code == 200


def test_a_manager_assigns_a_course_to_a_role_in_the_console(
    mark, helen, console_client_for, course
):
    client = console_client_for(mark)
    response = client.post(
        reverse("admin:knowledge_courseassignment_add"),
        {"course": course.pk, "kind": "role", "role": "Helpdesk agent", "due_date": "2027-01-31"},
        follow=True,
    )
    assert "1 learners (1 newly enrolled)" in response.content.decode()
    assignment = CourseAssignment.objects.get()
    assert assignment.assigned_by == mark and assignment.enrolments.get().user == helen


def test_a_console_assignment_naming_an_unknown_erp_group_says_why(
    mark, console_client_for, course, shop
):
    response = console_client_for(mark).post(
        reverse("admin:knowledge_courseassignment_add"),
        {"course": course.pk, "kind": "erp_group", "target": shop.pk, "erp_group": "Cooks"},
    )
    assert response.status_code == 200 and "has no group Cooks" in response.content.decode()
    assert not CourseAssignment.objects.exists()


def test_a_session_gives_its_calendar_file_in_the_console(helen, console_client_for):
    session = services.save_session(title="Month-end", starts="2026-12-20T09:00:00Z")
    session = TrainingSession.objects.get(pk=session.pk)
    response = console_client_for(helen).get(
        reverse("admin:knowledge_trainingsession_ics", args=[session.pk])
    )
    assert response.status_code == (200 if services.calendar_available() else 404)


def test_every_console_user_finds_my_training_in_the_sidebar(victor, mark, console_client_for):
    home = console_client_for(victor).get("/").content.decode()
    assert reverse("admin:knowledge_my_training") in home
    assert reverse("admin:knowledge_reports") in console_client_for(mark).get("/").content.decode()


def test_a_writer_adds_a_file_to_a_session_in_the_console(helen, console_client_for):
    session = services.save_session(title="Month-end", starts="2026-12-20T09:00:00Z")
    client = console_client_for(helen)
    url = reverse("admin:knowledge_trainingsession_change", args=[session.pk])
    data = {
        "title": "Month-end",
        "kind": "workshop",
        "starts_0": "2026-12-20",
        "starts_1": "09:00:00",
        "minutes": "60",
        "add_file": SimpleUploadedFile("slides.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
        "materials-TOTAL_FORMS": "0",
        "materials-INITIAL_FORMS": "0",
        "attendance-TOTAL_FORMS": "0",
        "attendance-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    material = session.materials.get()
    assert material.file_name == "slides.pdf"
    download = client.get(
        reverse("admin:knowledge_trainingsession_material", args=[session.pk, material.pk])
    )
    assert b"".join(download.streaming_content) == b"%PDF-1.4 x"
