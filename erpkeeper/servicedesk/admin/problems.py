"""Problem records in the console: the list, a problem's page with its incidents inline, and
Link / Unlink tickets, Send the workaround to the requesters, Resolve, Close. Every change
goes through ``servicedesk.services``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display

from erpkeeper.lib.admin import ServiceSaveMixin, badge, navigate, without_bulk_delete
from erpkeeper.lib.cli import validation_text
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.admin.forms import ResolveProblemDialogForm, TicketNumbersDialogForm
from erpkeeper.servicedesk.models import Problem, ProblemStatus, Ticket, Via

PROBLEM_VARIANTS = {
    "new": "info",
    "investigating": "primary",
    "known_error": "warning",
    "resolved": "success",
    "closed": None,
}
EDIT_FIELDS = ["title", "description", "owner", "targets"]
DIAGNOSIS_FIELDS = ["root_cause", "known_error", "workaround"]


class ProblemForm(forms.ModelForm):
    class Meta:
        model = Problem
        fields = [*EDIT_FIELDS, *DIAGNOSIS_FIELDS]


class IncidentInline(TabularInline):
    """The tickets linked to the problem, read-only (Link / Unlink change them)."""

    model = Ticket
    fk_name = "problem"
    fields = ["ticket_link", "subject", "status", "priority", "target", "requester_column"]
    readonly_fields = fields
    ordering = ["created", "pk"]
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name = pgettext_lazy("linked to a problem", "incident")
    verbose_name_plural = pgettext_lazy("linked to a problem", "incidents")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @display(description=_("number"))
    def ticket_link(self, obj):
        url = reverse("admin:servicedesk_ticket_change", args=[obj.pk])
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, obj.number)

    @display(description=_("Requester"))
    def requester_column(self, obj):
        return obj.requester_display or "–"


@admin.register(Problem)
class ProblemAdmin(ServiceSaveMixin, ModelAdmin):
    form = ProblemForm
    list_display = ["number", "title", "status_badge", "incident_count", "owner", "updated"]
    list_display_links = ["number", "title"]
    list_filter = ["status", "targets", "owner"]
    search_fields = ["number", "title", "known_error"]
    ordering = ["-created", "-pk"]
    list_per_page = 50
    inlines = [IncidentInline]
    readonly_on_change = ["number", "status_badge", "created", "resolved_at", "closed_at"]
    actions_detail = ["link_detail", "unlink_detail", "tell_detail", "resolve_detail", "close"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(incident_total=Count("incidents"))

    def get_fields(self, request, obj=None):
        if obj is None:
            return EDIT_FIELDS
        return [*self.readonly_on_change, *EDIT_FIELDS, *DIAGNOSIS_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.status == ProblemStatus.CLOSED:
            return [*self.readonly_on_change, *EDIT_FIELDS, *DIAGNOSIS_FIELDS]
        return self.readonly_on_change

    def get_actions(self, request):
        return without_bulk_delete(super().get_actions(request))

    def has_delete_permission(self, request, obj=None):
        return False  # a problem is closed, never deleted: its incidents point to it

    def save_through_service(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if not change:
                return services.create_problem(
                    title=data["title"],
                    description=data["description"],
                    owner=data["owner"],
                    targets=data["targets"],
                )
            changes = {
                name: data[name] for name in form.changed_data if name in ProblemForm.Meta.fields
            }
            changes.pop("targets", None)  # saved with the form's other relations
            return services.update_problem(
                Problem.objects.get(pk=obj.pk), author=request.user, **changes
            )
        except ValidationError as exc:
            raise PermissionDenied(validation_text(exc)) from None

    @display(description=_("Status"), ordering="status")
    def status_badge(self, obj):
        return badge(PROBLEM_VARIANTS.get(obj.status), obj.get_status_display())

    @display(description=_("Incidents"), ordering="incident_total")
    def incident_count(self, obj):
        return getattr(obj, "incident_total", None) or obj.incidents.count()

    # -- detail actions -------------------------------------------------------------------------

    def _may_change(self, request, object_id=None) -> bool:
        if not request.user.has_perm("servicedesk.change_problem"):
            return False
        problem = Problem.objects.filter(pk=object_id).first() if object_id else None
        return problem is None or problem.status != ProblemStatus.CLOSED

    def has_link_detail_permission(self, request, object_id=None):
        return self._may_change(request, object_id)

    def has_unlink_detail_permission(self, request, object_id=None):
        return self._may_change(request, object_id)

    def has_tell_detail_permission(self, request, object_id=None):
        problem = Problem.objects.filter(pk=object_id).first() if object_id else None
        return self._may_change(request, object_id) and (problem is None or problem.workaround)

    def has_resolve_detail_permission(self, request, object_id=None):
        problem = Problem.objects.filter(pk=object_id).first() if object_id else None
        return self._may_change(request, object_id) and (problem is None or problem.is_active)

    def has_close_permission(self, request, object_id=None):
        return self._may_change(request, object_id)

    @action(
        description=_("Link tickets…"),
        icon="link",
        permissions=["link_detail"],
        dialog={
            "title": _("Link tickets to this problem"),
            "description": _("A ticket linked to another problem moves to this one."),
            "form_class": TicketNumbersDialogForm,
            "form_submit_text": pgettext("problem action", "Link"),
        },
    )
    def link_detail(self, request, form, object_id):
        return self._run(request, object_id, services.link, form.cleaned_data["numbers"])

    @action(
        description=_("Unlink tickets…"),
        icon="link_off",
        permissions=["unlink_detail"],
        dialog={
            "title": _("Take tickets out of this problem"),
            "description": None,
            "form_class": TicketNumbersDialogForm,
            "form_submit_text": _("Unlink"),
        },
    )
    def unlink_detail(self, request, form, object_id):
        return self._run(request, object_id, services.unlink, form.cleaned_data["numbers"])

    @action(
        description=_("Send the workaround to the requesters"),
        icon="forward_to_inbox",
        permissions=["tell_detail"],
        dialog={
            "title": _("Send the workaround to the requesters?"),
            "description": _(
                "Each linked active ticket gets the workaround as a public reply, mailed to "
                "its requester, and as an internal note."
            ),
            "form_class": None,
            "form_submit_text": _("Send"),
        },
    )
    def tell_detail(self, request, form, object_id):
        return self._run(
            request,
            object_id,
            lambda problem: services.publish_workaround(
                problem, author=request.user, tell_requesters=True, via=Via.CONSOLE
            ),
        )

    @action(
        description=pgettext("problem action", "Resolve"),
        icon="task_alt",
        permissions=["resolve_detail"],
        dialog={
            "title": _("Resolve this problem"),
            "description": None,
            "form_class": ResolveProblemDialogForm,
            "form_submit_text": pgettext("problem action", "Resolve"),
        },
    )
    def resolve_detail(self, request, form, object_id):
        data = form.cleaned_data
        return self._run(
            request,
            object_id,
            lambda problem: services.resolve_problem(
                problem,
                author=request.user,
                resolve_incidents=data["resolve_incidents"],
                reply=data["reply"],
            ),
        )

    @action(description=pgettext("problem action", "Close"), icon="lock", permissions=["close"])
    def close(self, request, object_id):
        return self._run(request, object_id, services.close_problem)

    def _run(self, request, object_id, operation, *args):
        problem = get_object_or_404(Problem, pk=object_id)
        try:
            operation(problem, *args)
        except ValidationError as exc:
            messages.error(request, validation_text(exc))
        else:
            problem.refresh_from_db()
            messages.success(
                request,
                _("%(number)s saved; it is %(status)s.")
                % {"number": problem.number, "status": problem.get_status_display()},
            )
        return navigate(request, reverse("admin:servicedesk_problem_change", args=[problem.pk]))
