"""Writing courses: steps are articles in order, a quiz of single and multiple choice
questions; a question without a right answer or a course of unpublished articles is refused
with a reason and nothing half-written; writers write courses, managers assign them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import Course, CourseState, Question
from tests.knowledge.training import QUESTIONS

pytestmark = pytest.mark.django_db


def test_a_course_keeps_its_articles_in_order_and_its_quiz(course, entering, posting_invoices):
    assert [s.article for s in course.steps.all()] == [entering, posting_invoices]
    questions = list(course.questions.prefetch_related("options"))
    assert [q.kind for q in questions] == ["single", "multiple"]
    assert [o.text for o in questions[1].options.all() if o.correct] == ["Cancel it", "Credit it"]


def test_a_question_without_a_right_answer_is_refused_and_nothing_is_written(helen, entering):
    bad = [{"text": "Which menu?", "kind": "single", "options": [{"text": "A"}, {"text": "B"}]}]
    with pytest.raises(ValidationError, match="Question 1: mark the right answer"):
        services.create_course(actor=helen, title="Menus", steps=[entering], questions=bad)
    two_right = [{**QUESTIONS[0], "options": [{"text": "A", "correct": True}] * 2}]
    with pytest.raises(ValidationError, match="exactly one right option"):
        services.create_course(actor=helen, title="Menus", steps=[entering], questions=two_right)
    assert not Course.objects.exists() and not Question.objects.exists()


def test_a_published_course_needs_published_articles(helen, internal_runbook, entering):
    entering.status = "draft"
    entering.save()
    with pytest.raises(ValidationError, match="Publish these articles first"):
        services.create_course(
            actor=helen, title="T", state=CourseState.PUBLISHED, steps=[entering]
        )
    with pytest.raises(ValidationError, match="at least one article"):
        services.create_course(actor=helen, title="T", state=CourseState.PUBLISHED)


def test_a_writer_creates_a_course_through_the_api_and_a_manager_may_not(
    helen, mark, api_client_for, entering, posting_invoices
):
    payload = {
        "title": "Posting supplier invoices",
        "pass_mark": 50,
        "state": "published",
        "steps": [entering.pk, posting_invoices.pk],
        "questions": QUESTIONS,
    }
    created = api_client_for(helen).post("/api/v1/courses/", payload, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert [s["title"] for s in body["outline"]] == [entering.title, posting_invoices.title]
    assert body["quiz"][0]["options"][0]["correct"] is True  # writers see the right answers
    assert api_client_for(mark).post("/api/v1/courses/", payload, format="json").status_code == 403


def test_bad_course_input_is_a_400_naming_the_field(helen, api_client_for):
    client = api_client_for(helen)
    response = client.post("/api/v1/courses/", {"title": "X", "steps": [987654]}, format="json")
    assert response.status_code == 400 and "steps" in response.json()
    response = client.post("/api/v1/courses/", {"title": "X", "pass_mark": 120}, format="json")
    assert response.status_code == 400 and "pass_mark" in response.json()


def test_a_manager_assigns_through_the_api_and_a_writer_may_not(
    course, mark, helen, api_client_for
):
    payload = {"course": course.pk, "kind": "role", "role": "Helpdesk agent"}
    assert (
        api_client_for(helen)
        .post("/api/v1/course-assignments/", payload, format="json")
        .status_code
        == 403
    )
    response = api_client_for(mark).post("/api/v1/course-assignments/", payload, format="json")
    assert response.status_code == 201 and response.json()["learners"] == 1
    bad = api_client_for(mark).post(
        "/api/v1/course-assignments/", {"course": course.pk, "kind": "role"}, format="json"
    )
    assert bad.status_code == 400 and "role" in bad.json()


def test_the_console_saves_a_course_with_its_steps(helen, console_client_for, entering):
    client = console_client_for(helen)
    data = {
        "title": "Entering invoices",
        "language": "en",
        "description": "",
        "pass_mark": "80",
        "owner": "",
        "state": "published",
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-0-position": "1",
        "steps-0-article": str(entering.pk),
        "questions-TOTAL_FORMS": "0",
        "questions-INITIAL_FORMS": "0",
    }
    response = client.post("/knowledge/course/add/", data)
    assert response.status_code == 302, response.content[:2000]
    course = Course.objects.get(title="Entering invoices")
    assert course.state == "published" and course.owner == helen
    assert [s.article for s in course.steps.all()] == [entering]
