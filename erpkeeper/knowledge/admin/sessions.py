"""Workshops and seminars in the console: materials, who is invited and who came, and the
session's calendar file."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import (
    AttendanceState,
    SessionAttendance,
    SessionMaterial,
    TrainingSession,
)
from erpkeeper.knowledge.services.sessions import SESSION_FIELDS
from erpkeeper.lib.admin import ServiceSaveMixin
from erpkeeper.servicedesk.services.attachments import IncomingFile, problem_with


class SessionMaterialInline(TabularInline):
    model = SessionMaterial
    fields = ["article", "file_link", "size"]
    readonly_fields = ["file_link", "size"]
    autocomplete_fields = ["article"]
    extra = 1

    @display(description=_("file"))
    def file_link(self, obj):
        if obj is None or not obj.stored_name:
            return "–"
        url = reverse("admin:knowledge_trainingsession_material", args=[obj.session_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.file_name)


def _https_links(field, **kwargs):
    """Meeting links typed without a scheme are https (Django 6's default, asked for now)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class TrainingSessionForm(forms.ModelForm):
    add_file = forms.FileField(
        label=_("add a file"),
        required=False,
        help_text=_("Slides or handouts, with the service desk's size and type limits."),
    )

    class Meta:
        model = TrainingSession
        fields = list(SESSION_FIELDS)
        formfield_callback = _https_links

    def clean_add_file(self):
        upload = self.cleaned_data.get("add_file")
        if upload is None:
            return None
        incoming = IncomingFile(upload.name, upload.read(), getattr(upload, "content_type", ""))
        problem = problem_with(incoming)
        if problem:
            raise forms.ValidationError(problem)
        return incoming


class SessionAttendanceInline(TabularInline):
    model = SessionAttendance
    fields = ["user", "state"]
    autocomplete_fields = ["user"]
    extra = 1


@admin.register(TrainingSession)
class TrainingSessionAdmin(ServiceSaveMixin, ModelAdmin):
    form = TrainingSessionForm
    list_display = ["title", "kind", "starts", "speaker_shown", "place", "invited", "attended"]
    list_filter = ["kind"]
    search_fields = ["title", "speaker_name", "place"]
    fields = [
        "title",
        "kind",
        "starts",
        "minutes",
        "speaker",
        "speaker_name",
        "place",
        "link",
        "course",
        "description",
        "add_file",
        "calendar",
    ]
    readonly_fields = ["calendar"]
    autocomplete_fields = ["speaker"]
    # Meeting links typed without a scheme are https (Django 6's default, asked for now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [SessionMaterialInline, SessionAttendanceInline]

    @display(description=_("speaker"))
    def speaker_shown(self, obj):
        return obj.speaker_text

    @display(description=_("invited"))
    def invited(self, obj):
        return obj.attendance.count()

    @display(description=_("attended"))
    def attended(self, obj):
        return obj.attendance.filter(state=AttendanceState.ATTENDED).count()

    @display(description=_("calendar"))
    def calendar(self, obj):
        if obj is None or obj.pk is None or not services.calendar_available():
            return "–"
        url = reverse("admin:knowledge_trainingsession_ics", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Add to a calendar (.ics)"))

    def save_through_service(self, request, obj, form, change):
        return services.save_session(obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        incoming = form.cleaned_data.get("add_file")
        if incoming is not None:
            services.add_file_material(form.instance, incoming)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/ics/", wrap(self.ics_view), name="knowledge_trainingsession_ics"),
            path(
                "<int:pk>/materials/<int:material_id>/",
                wrap(self.material_view),
                name="knowledge_trainingsession_material",
            ),
            *super().get_urls(),
        ]

    def ics_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        session = get_object_or_404(TrainingSession, pk=pk)
        try:
            data = services.session_ics(session)
        except ValidationError:
            raise Http404 from None
        response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.ics"'
        return response

    def material_view(self, request, pk, material_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        material = get_object_or_404(SessionMaterial, pk=material_id, session_id=pk)
        file = services.material_path(material) if material.stored_name else None
        if file is None or not file.exists():
            raise Http404
        response = FileResponse(
            file.open("rb"),
            as_attachment=True,
            filename=material.file_name,
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
