"""Console pages for notifications (the outbox): what failed and is not resolved yet.

Read-only: messages are raised and resolved by the work that reports them; a person may mark
one resolved by hand (through ``outbox.resolve_message``) once they have dealt with it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from erpkeeper.core import outbox
from erpkeeper.core.models import OutboxMessage
from erpkeeper.lib.admin import EvidenceAdminMixin, badge, navigate

SEVERITY_VARIANTS = {"info": "info", "warning": "warning", "critical": "danger"}
# Pending only means "not sent yet": amber, not the red of a failure (severity says how bad).
STATE_VARIANTS = {"pending": "warning", "sent": "info", "resolved": "success"}
RESOLVE_DIALOG = {
    "title": _("Mark this notification resolved?"),
    "description": _(
        "Do this once the cause has been dealt with. The same failure happening again "
        "raises a new notification."
    ),
    "form_class": None,
    "form_submit_text": _("Mark resolved"),
}


class OpenStateFilter(admin.SimpleListFilter):
    """Open notifications first: the list is a to-do list, the resolved ones are history."""

    title = _("state")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", pgettext("state", "Open")), ("no", _("Resolved")), ("all", _("All"))]

    def choices(self, changelist):
        # "Open" is the default, so the "All" entry must be an explicit choice.
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or "yes") == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or "yes"
        if value == "yes":
            return queryset.filter(state__in=outbox.OPEN_STATES)
        if value == "no":
            return queryset.filter(state=OutboxMessage.State.RESOLVED)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "severity_badge",
        "subject",
        "target",
        "state_badge",
        "occurrences",
        "created",
        "updated",
    ]
    list_display_links = ["subject"]
    list_filter = [OpenStateFilter, "severity", "source", "target"]
    list_select_related = ["target"]
    search_fields = ["subject", "body", "target__name"]
    actions = ["resolve_selected"]
    actions_detail = ["resolve_detail"]
    fields = [
        "severity_badge",
        "state_badge",
        "subject",
        "body",
        "target",
        "source",
        "event",
        "occurrences",
        "created",
        "updated",
        "sent_at",
        "link_display",
    ]
    readonly_fields = fields

    def has_resolve_permission(self, request, object_id=None):
        # On a message's page the button shows only while it is open.
        return request.user.has_perm("core.change_outboxmessage") and (
            object_id is None
            or OutboxMessage.objects.filter(pk=object_id, state__in=outbox.OPEN_STATES).exists()
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @display(description=_("Severity"), ordering="severity")
    def severity_badge(self, obj):
        return badge(SEVERITY_VARIANTS.get(obj.severity), obj.get_severity_display())

    @display(description=_("State"), ordering="state")
    def state_badge(self, obj):
        return badge(STATE_VARIANTS.get(obj.state), obj.get_state_display())

    @display(description=_("Link"))
    def link_display(self, obj):
        # Only paths inside the console are made links.
        if not obj.link.startswith("/") or obj.link.startswith("//"):
            return obj.link or "–"
        return format_html(
            '<a class="text-primary-600" href="{}">{}</a>', obj.link, pgettext("link", "Open")
        )

    @admin.action(description=_("Mark selected notifications resolved"), permissions=["resolve"])
    def resolve_selected(self, request, queryset):
        count = sum(outbox.resolve_message(message) for message in queryset)
        text = ngettext(
            "%(count)d notification marked resolved.",
            "%(count)d notifications marked resolved.",
            count,
        )
        messages.success(request, text % {"count": count})

    @action(
        description=_("Mark resolved"),
        icon="task_alt",
        permissions=["resolve"],
        dialog=RESOLVE_DIALOG,
    )
    def resolve_detail(self, request, form, object_id):
        message = get_object_or_404(OutboxMessage, pk=object_id)
        if outbox.resolve_message(message):
            messages.success(request, _("Notification marked resolved."))
        return navigate(request, reverse("admin:core_outboxmessage_change", args=[message.pk]))
