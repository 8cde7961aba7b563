"""The learner's pages, shared by the console (*My training*, staff) and the portal
(``/portal/help/training/``, ERP end users): the list of one's courses, a course's steps read
in order, the quiz, the result and the certificate. Each interface wraps these in its own page
and passes the URLs; everything they do goes through ``knowledge.services``.

A learner only ever reaches their own enrolments (``enrolment_of`` answers 404 otherwise), and
the quiz never carries which options are right: the score is computed on the server.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from erpkeeper.knowledge import markdown, services
from erpkeeper.knowledge.models import CourseState, Enrolment
from erpkeeper.lib.cli import validation_text
from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable


def enrolment_of(user, pk: int) -> Enrolment:
    return get_object_or_404(
        Enrolment.objects.select_related("course").exclude(course__state=CourseState.DRAFT),
        pk=pk,
        user=user,
    )


def list_context(user, course_url) -> dict:
    """``course_url(enrolment)`` gives each course's address in the calling interface."""
    rows = []
    for enrolment in services.my_enrolments(user):
        done = services.progress(enrolment)
        rows.append({"enrolment": enrolment, "progress": done, "url": course_url(enrolment)})
    return {"rows": rows}


def course_context(request, enrolment: Enrolment, certificate_url: str) -> dict:
    states = services.step_states(enrolment)
    current = _current_step(request, states)
    return {
        "enrolment": enrolment,
        "course": enrolment.course,
        "states": states,
        "current": current,
        "current_body": _body(request.user, current.step.article) if current else "",
        "quiz_open": all(state.read for state in states),
        "questions": services.quiz(enrolment),
        "attempts": list(enrolment.attempts.all()[:10]),
        "progress": services.progress(enrolment),
        "certificate_url": certificate_url if enrolment.completed else "",
        "takeable": enrolment.course.state == CourseState.PUBLISHED,
    }


def _body(user, article) -> str:
    """The step's text; an internal article stays with the team even inside a course (a course
    for portal users is made of portal articles)."""
    if not services.readable_articles(user).filter(pk=article.pk).exists():
        return _("This article is for the team only: ask the course's owner for a portal version.")
    return markdown.render(article.body)


def _current_step(request, states):
    """The step asked for (``?step=id``, when open), else the first unread one."""
    wanted = request.GET.get("step", "")
    for state in states:
        if str(state.step.pk) == wanted and state.open:
            return state
    return next((state for state in states if not state.read), None)


def handle_post(request, enrolment: Enrolment, page_url: str):
    """A step marked read, or the quiz submitted; back to the course page either way."""
    try:
        if request.POST.get("action") == "read":
            step = get_object_or_404(enrolment.course.steps, pk=request.POST.get("step"))
            services.mark_read(enrolment, step)
        elif request.POST.get("action") == "quiz":
            attempt = services.submit_attempt(enrolment, answers_from(request.POST))
            _say_result(request, attempt)
            return redirect(page_url + "#result")
    except ValidationError as exc:
        messages.error(request, validation_text(exc))
    except ValueError:
        raise Http404 from None
    return redirect(page_url)


def answers_from(post) -> dict[str, list[str]]:
    """The quiz form's ``q<id>`` fields as {question id: [option ids]}."""
    return {key[1:]: post.getlist(key) for key in post if key.startswith("q") and key[1:].isdigit()}


def _say_result(request, attempt) -> None:
    numbers = {"score": attempt.score, "mark": attempt.enrolment.course.pass_mark}
    if attempt.passed:
        messages.success(request, _("Passed with %(score)d %% (pass mark %(mark)d %%).") % numbers)
    else:
        messages.warning(
            request, _("%(score)d %%: not passed yet (pass mark %(mark)d %%). Try again.") % numbers
        )


def certificate_response(enrolment: Enrolment) -> HttpResponse:
    if enrolment.completed is None:
        raise Http404
    try:
        pdf = services.certificate_pdf(enrolment)
    except PdfUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    filename = services.certificate_filename(enrolment)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
