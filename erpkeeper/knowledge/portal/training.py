"""The learner's pages on the portal (ERP end users; the team uses *My training* in the
console): their courses, a course's steps and quiz, the certificate."""

from __future__ import annotations

from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from erpkeeper.knowledge import learner
from erpkeeper.servicedesk.portal.views import PortalMixin


class TrainingPortalListView(PortalMixin, TemplateView):
    template_name = "knowledge/portal/training.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(learner.list_context(self.request.user, _course_url))
        return context


def _course_url(enrolment) -> str:
    return reverse("kb-portal:course", args=[enrolment.pk])


class CoursePortalView(PortalMixin, TemplateView):
    template_name = "knowledge/portal/course.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        enrolment = learner.enrolment_of(self.request.user, kwargs["pk"])
        certificate = reverse("kb-portal:certificate", args=[enrolment.pk])
        context.update(learner.course_context(self.request, enrolment, certificate))
        return context

    def post(self, request, pk):
        enrolment = learner.enrolment_of(request.user, pk)
        return learner.handle_post(request, enrolment, _course_url(enrolment))


class CertificatePortalView(PortalMixin, View):
    def get(self, request, pk):
        return learner.certificate_response(learner.enrolment_of(request.user, pk))
