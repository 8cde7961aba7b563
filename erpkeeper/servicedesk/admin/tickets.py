"""The agent desk: the ticket list with SLA badges (the most urgent first, active tickets by
default), bulk assign / resolve / close, and a ticket's page with its conversation, the reply
box, attachments served only to who may see the ticket, and Waiting / Resolve / Reopen / Close /
Merge actions. Every change goes through ``servicedesk.services``."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from erpkeeper.lib.admin import ServiceSaveMixin, badge, navigate, when_text, without_bulk_delete
from erpkeeper.lib.cli import validation_text
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.admin import reports
from erpkeeper.servicedesk.admin.forms import (
    MergeDialogForm,
    ReplyForm,
    TicketAddForm,
    TicketChangeForm,
)
from erpkeeper.servicedesk.admin.saved_filters import SavedFiltersMixin
from erpkeeper.servicedesk.models import Attachment, SlaStatus, Ticket, TicketStatus, Via
from erpkeeper.servicedesk.services import IncomingFile
from erpkeeper.servicedesk.services.attachments import store_root
from erpkeeper.servicedesk.services.tickets import ACTIVE, ALLOWED_MOVES

# List actions other apps bring (the knowledge base's "write an article from each ticket"),
# added with register_list_action: the desk imports none of those apps.
EXTRA_LIST_ACTIONS: list = []


def register_list_action(action) -> None:
    """Offer ``action`` (a function decorated with ``admin.action``) on the ticket list."""
    if action not in EXTRA_LIST_ACTIONS:
        EXTRA_LIST_ACTIONS.append(action)


STATUS_VARIANTS = {
    "new": "info",
    "open": "primary",
    "waiting": "warning",
    "resolved": "success",
    "closed": None,
}
PRIORITY_VARIANTS = {"p1": "danger", "p2": "warning", "p3": "info", "p4": None}
SLA_VARIANTS = {
    "running": "success",
    "warning": "warning",
    "breached": "danger",
    "paused": "info",
    "met": "success",
}
MOVES = {
    "wait": (TicketStatus.WAITING, _("Waiting for the requester"), "hourglass_top"),
    "resolve": (TicketStatus.RESOLVED, pgettext_lazy("ticket action", "Resolve"), "task_alt"),
    "reopen": (TicketStatus.OPEN, _("Reopen"), "undo"),
}


def files_from(request) -> list[IncomingFile]:
    return [
        IncomingFile(f.name, f.read(), f.content_type or "")
        for f in request.FILES.getlist("attachments")
    ]


class ActiveFilter(admin.SimpleListFilter):
    """Active tickets first: the desk is a to-do list; resolved and closed ones are history."""

    title = _("state")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", _("Active")), ("no", _("Resolved or closed")), ("all", _("All"))]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or "yes") == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or "yes"
        if value == "yes":
            return queryset.filter(status__in=ACTIVE)
        if value == "no":
            return queryset.exclude(status__in=ACTIVE)
        return queryset


class MineFilter(admin.SimpleListFilter):
    title = _("assigned")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("me", _("To me")), ("nobody", _("To nobody"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "nobody":
            return queryset.filter(assignee__isnull=True)
        return queryset


@admin.register(Ticket)
class TicketAdmin(SavedFiltersMixin, ServiceSaveMixin, ModelAdmin):
    list_display = [
        "number_column",
        "subject",
        "status_badge",
        "priority_badge",
        "sla_badge",
        "queue",
        "assignee",
        "requester_column",
        "updated",
    ]
    list_display_links = ["number_column", "subject"]
    list_filter = [
        ActiveFilter,
        MineFilter,
        "status",
        "priority",
        "sla_status",
        "kind",
        "category",
        "queue",
        "target",
    ]
    list_select_related = ["queue", "assignee", "requester", "target"]
    search_fields = ["number", "subject", "requester_email", "requester_name"]
    ordering = ["priority", "-created"]
    list_per_page = 50
    actions = ["assign_to_me", "resolve_selected", "close_selected", "create_problem"]
    list_before_template = "servicedesk/admin/saved_filters.html"
    actions_detail = ["wait", "resolve", "reopen", "close_detail", "merge_detail"]
    change_form_outer_after_template = "servicedesk/admin/conversation.html"
    readonly_on_change = [
        "number",
        "status_badge",
        "priority_badge",
        "sla_badge",
        "kind",
        "requester_column",
        "assignee",
        "created",
        "first_response_at",
        "resolved_at",
        "reopen_count",
        "first_response_due_text",
        "resolution_due_text",
        "parent",
        "merged_into",
        "problem_link",
        "csat_rating",
        "csat_comment",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = TicketChangeForm if obj else TicketAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*TicketAddForm.Meta.fields, "body", "attachments"]
        return [*TicketChangeForm.Meta.fields, *self.readonly_on_change]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.status == TicketStatus.CLOSED or obj.merged_into_id:
            return [*TicketChangeForm.Meta.fields, *self.readonly_on_change]
        return self.readonly_on_change

    def get_actions(self, request):
        actions = without_bulk_delete(super().get_actions(request))
        for extra in EXTRA_LIST_ACTIONS:
            func, name, description = self.get_action(extra)
            actions[name] = (func, name, description)
        return actions

    def has_delete_permission(self, request, obj=None):
        return False  # tickets are history: closed, never deleted

    def save_through_service(self, request, obj, form, change):
        try:
            if change:
                changes = {name: form.cleaned_data[name] for name in form.changed_data}
                return services.update_ticket(Ticket.objects.get(pk=obj.pk), **changes)
            return services.open_ticket(
                **{name: form.cleaned_data[name] for name in TicketAddForm.Meta.fields},
                body=form.cleaned_data["body"],
                author=request.user,
                via=Via.CONSOLE,
                attachments=files_from(request),
            )
        except ValidationError as exc:
            # The form was valid; the service refused (an attachment): say so, nothing saved.
            raise PermissionDenied(validation_text(exc)) from None

    # -- columns --------------------------------------------------------------------------------

    # Numbers sort as text (ERP-2026-1000000 before ERP-2026-999999): the column sorts by id,
    # which is the order they were given in.
    @display(description=_("number"), ordering="pk")
    def number_column(self, obj):
        return obj.number

    @display(description=_("problem"))
    def problem_link(self, obj):
        if not obj.problem_id:
            return "–"
        url = reverse("admin:servicedesk_problem_change", args=[obj.problem_id])
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, obj.problem)

    @display(description=_("Status"), ordering="status")
    def status_badge(self, obj):
        return badge(STATUS_VARIANTS.get(obj.status), obj.get_status_display())

    @display(description=_("Priority"), ordering="priority")
    def priority_badge(self, obj):
        return badge(PRIORITY_VARIANTS.get(obj.priority), obj.get_priority_display())

    @display(description=_("SLA"), ordering="sla_due")
    def sla_badge(self, obj):
        if not obj.sla_status:
            return "–"
        text = obj.get_sla_status_display()
        if obj.sla_status in (SlaStatus.RUNNING, SlaStatus.WARNING) and obj.sla_due:
            text = f"{text} · {when_text(obj.sla_due)}"
        return badge(SLA_VARIANTS.get(obj.sla_status), text)

    @display(description=_("Requester"))
    def requester_column(self, obj):
        return obj.requester_display or "–"

    @display(description=_("first response due"))
    def first_response_due_text(self, obj):
        return when_text(obj.first_response_due)

    @display(description=_("resolution due"))
    def resolution_due_text(self, obj):
        return when_text(obj.resolution_due)

    # -- bulk actions ---------------------------------------------------------------------------

    @admin.action(description=_("Assign selected tickets to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        done = self._each(request, queryset, lambda t: services.assign(t, request.user))
        text = ngettext(
            "%(count)d ticket assigned to you.", "%(count)d tickets assigned to you.", done
        )
        messages.success(request, text % {"count": done})

    @admin.action(description=_("Resolve selected tickets"), permissions=["change"])
    def resolve_selected(self, request, queryset):
        done = self._each(
            request, queryset, lambda t: services.change_status(t, TicketStatus.RESOLVED)
        )
        text = ngettext("%(count)d ticket resolved.", "%(count)d tickets resolved.", done)
        messages.success(request, text % {"count": done})

    @admin.action(description=_("Close selected tickets"), permissions=["change"])
    def close_selected(self, request, queryset):
        done = self._each(request, queryset, services.close)
        text = ngettext("%(count)d ticket closed.", "%(count)d tickets closed.", done)
        messages.success(request, text % {"count": done})

    @admin.action(
        description=_("Create problem from selected incidents"), permissions=["add_problem"]
    )
    def create_problem(self, request, queryset):
        tickets = list(queryset.order_by("created", "pk"))
        try:
            problem = services.create_problem(
                title=tickets[0].subject, tickets=tickets, owner=request.user
            )
        except ValidationError as exc:
            messages.error(request, validation_text(exc))
            return None
        messages.success(
            request,
            _("Problem %(number)s groups %(count)d tickets; give it a title of its own.")
            % {"number": problem.number, "count": len(tickets)},
        )
        return navigate(request, reverse("admin:servicedesk_problem_change", args=[problem.pk]))

    def has_add_problem_permission(self, request):
        return request.user.has_perm("servicedesk.add_problem")

    @staticmethod
    def _each(request, queryset, operation) -> int:
        done = 0
        for ticket in queryset:
            try:
                operation(ticket)
                done += 1
            except ValidationError as exc:
                messages.warning(request, f"{ticket.number}: {validation_text(exc)}")
        return done

    # -- detail actions -------------------------------------------------------------------------

    def _may_move(self, request, object_id, status) -> bool:
        if not request.user.has_perm("servicedesk.change_ticket"):
            return False
        if object_id is None:
            return True
        ticket = Ticket.objects.filter(pk=object_id).first()
        return bool(ticket) and status in ALLOWED_MOVES[TicketStatus(ticket.status)]

    def has_wait_permission(self, request, object_id=None):
        return self._may_move(request, object_id, TicketStatus.WAITING)

    def has_resolve_permission(self, request, object_id=None):
        return self._may_move(request, object_id, TicketStatus.RESOLVED)

    def has_reopen_permission(self, request, object_id=None):
        ticket = Ticket.objects.filter(pk=object_id).first() if object_id else None
        return self._may_move(request, object_id, TicketStatus.OPEN) and (
            ticket is None or ticket.status == TicketStatus.RESOLVED
        )

    def has_close_detail_permission(self, request, object_id=None):
        ticket = Ticket.objects.filter(pk=object_id).first() if object_id else None
        allowed = request.user.has_perm("servicedesk.change_ticket")
        return allowed and (ticket is None or ticket.status != TicketStatus.CLOSED)

    def has_merge_detail_permission(self, request, object_id=None):
        return self.has_close_detail_permission(request, object_id)

    @action(description=MOVES["wait"][1], icon=MOVES["wait"][2], permissions=["wait"])
    def wait(self, request, object_id):
        return self._move(request, object_id, TicketStatus.WAITING)

    @action(description=MOVES["resolve"][1], icon=MOVES["resolve"][2], permissions=["resolve"])
    def resolve(self, request, object_id):
        return self._move(request, object_id, TicketStatus.RESOLVED)

    @action(description=MOVES["reopen"][1], icon=MOVES["reopen"][2], permissions=["reopen"])
    def reopen(self, request, object_id):
        return self._move(request, object_id, TicketStatus.OPEN)

    @action(
        description=pgettext("ticket action", "Close"),
        icon="lock",
        permissions=["close_detail"],
        dialog={
            "title": _("Close this ticket?"),
            "description": _("A closed ticket takes no more replies: an answer opens a new one."),
            "form_class": None,
            "form_submit_text": pgettext("ticket action", "Close"),
        },
    )
    def close_detail(self, request, form, object_id):
        return self._move(request, object_id, TicketStatus.CLOSED)

    @action(
        description=_("Merge into…"),
        icon="merge",
        permissions=["merge_detail"],
        dialog={
            "title": _("Merge this ticket into another"),
            "description": _(
                "Its messages and attachments move to the other ticket; this one is closed."
            ),
            "form_class": MergeDialogForm,
            "form_submit_text": _("Merge"),
        },
    )
    def merge_detail(self, request, form, object_id):
        ticket = get_object_or_404(Ticket, pk=object_id)
        into = Ticket.objects.get(number=form.cleaned_data["number"])
        try:
            services.merge(ticket, into, author=request.user)
        except ValidationError as exc:
            messages.error(request, validation_text(exc))
            return navigate(request, self._page(ticket))
        messages.success(request, _("Merged into %(number)s.") % {"number": into.number})
        return navigate(request, self._page(into))

    def _move(self, request, object_id, status):
        ticket = get_object_or_404(Ticket, pk=object_id)
        try:
            services.change_status(ticket, status)
        except ValidationError as exc:
            messages.error(request, validation_text(exc))
        else:
            messages.success(
                request,
                _("%(number)s is now %(status)s.")
                % {"number": ticket.number, "status": ticket.get_status_display()},
            )
        return navigate(request, self._page(ticket))

    @staticmethod
    def _page(ticket) -> str:
        return reverse("admin:servicedesk_ticket_change", args=[ticket.pk])

    # -- the conversation, the reply box, attachments ---------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/reply/", wrap(self.reply_view), name="servicedesk_ticket_reply"),
            path("reports/", wrap(self.reports_view), name="servicedesk_ticket_reports"),
            path(
                "reports/export/",
                wrap(reports.export_workbook),
                name="servicedesk_ticket_reports_export",
            ),
            path("reports/pdf/", wrap(reports.export_pdf), name="servicedesk_ticket_reports_pdf"),
            path(
                "<int:pk>/attachment/<int:attachment_id>/",
                wrap(self.attachment_view),
                name="servicedesk_ticket_attachment",
            ),
            *super().get_urls(),
        ]

    def reports_view(self, request):
        return reports.reports_page(request, self.admin_site)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if object_id:
            ticket = get_object_or_404(Ticket, pk=object_id)
            extra_context.update(self._conversation(request, ticket, ReplyForm()))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _conversation(self, request, ticket, form) -> dict:
        return {
            "ticket_messages": ticket.messages.select_related("author").prefetch_related(
                "attachments"
            ),
            "reply_form": form,
            "reply_url": reverse("admin:servicedesk_ticket_reply", args=[ticket.pk]),
            "may_reply": self.has_change_permission(request, ticket)
            and ticket.status != TicketStatus.CLOSED
            and not ticket.merged_into_id,
            "children": ticket.children.all(),
        }

    def reply_view(self, request, pk):
        ticket = get_object_or_404(Ticket, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, ticket):
            raise PermissionDenied
        form = ReplyForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
            return navigate(request, self._page(ticket))
        data = form.cleaned_data
        body = data["body"] or services.render_canned(data["canned"].body, ticket, request.user)
        try:
            services.reply(
                ticket,
                body,
                author=request.user,
                public=data["public"] == "1",
                via=Via.CONSOLE,
                attachments=files_from(request),
            )
            if data["status"]:
                services.change_status(Ticket.objects.get(pk=ticket.pk), data["status"])
        except ValidationError as exc:
            messages.error(request, validation_text(exc))
        else:
            messages.success(request, _("Reply added."))
        return navigate(request, self._page(ticket))

    def attachment_view(self, request, pk, attachment_id):
        """The file, to who may see the ticket only; never shown inline (no script from a
        file runs on the console's origin)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        attachment = get_object_or_404(Attachment, pk=attachment_id, ticket_id=pk)
        response = FileResponse(
            (store_root() / attachment.stored_name).open("rb"),
            as_attachment=True,
            filename=attachment.file_name,
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def response_add(self, request, obj, post_url_continue=None):
        # Straight to the new ticket's conversation.
        return navigate(request, self._page(obj)) if obj.pk else super().response_add(request, obj)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("queue", services.tickets.default_queue())
        return initial
