"""Console pages for alerts: the list (state, severity, where, since, who acknowledged, why not
sent), the detail with the metric's chart around the alert, and Acknowledge / Resolve dialogs
that go through the alert engine's services."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.enums import ActionVariant

from erpkeeper.alerts import services
from erpkeeper.alerts.admin.common import SEVERITY_VARIANTS, STATE_VARIANTS
from erpkeeper.alerts.models import Alert, AlertState
from erpkeeper.alerts.values import alert_value_text
from erpkeeper.lib.admin import EvidenceAdminMixin, back_to, badge

ACKNOWLEDGE_DIALOG = {
    "title": _("Acknowledge this alert?"),
    "description": _(
        "Someone is on it: reminders and escalation stop. The alert stays open until the "
        "value recovers or it is resolved by hand."
    ),
    "form_class": None,
    "form_submit_text": _("Acknowledge"),
}
RESOLVE_DIALOG = {
    "title": _("Resolve this alert?"),
    "description": _(
        "The alert is closed now. If the condition still holds, the next evaluation raises a "
        "new one."
    ),
    "form_class": None,
    "form_submit_text": pgettext_lazy("alert action", "Resolve"),
}
# The chart on an alert's page: some context before the condition started, and after its end.
CHART_BEFORE = dt.timedelta(hours=1)
CHART_AFTER = dt.timedelta(minutes=30)
CHART_LONGEST = dt.timedelta(days=30)


def chart_window(alert: Alert, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    now = now or timezone.now()
    end = min(now, (alert.resolved_at + CHART_AFTER) if alert.resolved_at else now)
    start = max(alert.started - CHART_BEFORE, end - CHART_LONGEST)
    return start, max(end, start + CHART_BEFORE)


def chart_url(alert: Alert) -> str:
    start, end = chart_window(alert)
    query = urlencode(
        {"series": alert.series_id, "start": start.isoformat(), "end": end.isoformat()}
    )
    return reverse("monitoring-chart-data") + "?" + query


def is_open(alert: Alert) -> bool:
    return alert.state != AlertState.RESOLVED


@admin.register(Alert)
class AlertAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "state_badge",
        "severity_badge",
        "summary_display",
        "target",
        "host",
        "started",
        "acknowledged_by",
        "suppressed_reason",
    ]
    list_display_links = ["summary_display"]
    list_filter = ["state", "severity", "target", "host", "rule"]
    list_select_related = [
        "target",
        "host",
        "acknowledged_by",
        "rule",
        "series__host",
        "series__target",
    ]
    search_fields = ["summary", "rule__name"]
    actions_detail = ["acknowledge", "resolve"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "state_badge",
                    "severity_badge",
                    "summary_display",
                    "rule_link",
                    "target_link",
                    "host_link",
                    "series",
                    "value_display",
                ]
            },
        ),
        (
            _("Timeline"),
            {
                "fields": [
                    "started",
                    "fired_at",
                    "resolved_at",
                    "acknowledged_at",
                    "acknowledged_by",
                    "escalated_at",
                    "paged_user",
                    "paged_address",
                    "page_error",
                ]
            },
        ),
        (
            _("Notifications"),
            {"fields": ["last_notified_at", "notifications_sent", "suppressed_reason"]},
        ),
    ]
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]
    change_form_after_template = "alerts/admin/alert_chart.html"

    def get_list_display(self, request):
        # Not unfold's row actions: those show on every row, resolved ones included.
        columns = list(super().get_list_display(request))
        if request.user.has_perm("alerts.change_alert"):
            columns.append("row_actions")
        return columns

    def has_acknowledge_permission(self, request, object_id=None):
        return request.user.has_perm("alerts.change_alert") and _open_alert(
            object_id, unacknowledged=True
        )

    def has_resolve_permission(self, request, object_id=None):
        return request.user.has_perm("alerts.change_alert") and _open_alert(object_id)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        alert = self.get_object(request, object_id) if object_id else None
        if alert is not None and alert.series_id:
            extra_context = {**(extra_context or {}), "alert_chart_url": chart_url(alert)}
        return super().changeform_view(request, object_id, form_url, extra_context)

    # -- columns and fields ---------------------------------------------------------------------

    @display(description=_("State"), ordering="state")
    def state_badge(self, obj):
        return badge(STATE_VARIANTS.get(obj.state), obj.get_state_display())

    @display(description=_("summary"), ordering="summary")
    def summary_display(self, obj):
        return obj.summary_text

    @display(description=_("Severity"), ordering="severity")
    def severity_badge(self, obj):
        return badge(SEVERITY_VARIANTS.get(obj.severity), obj.get_severity_display())

    @display(description=_("value"))
    def value_display(self, obj):
        return "–" if obj.value is None else alert_value_text(obj)

    @display(description=_("Rule"))
    def rule_link(self, obj):
        return _link("admin:alerts_alertrule_change", obj.rule_id, obj.rule)

    @display(description=_("Target"))
    def target_link(self, obj):
        return _link("monitoring-target-charts", obj.target_id, obj.target)

    @display(description=_("Host"))
    def host_link(self, obj):
        return _link("monitoring-host-charts", obj.host_id, obj.host)

    @display(description=_("Actions"))
    def row_actions(self, obj):
        if not is_open(obj):
            return ""
        links = []
        if obj.acknowledged_at is None:
            links.append(
                (reverse("admin:alerts_alert_acknowledge", args=[obj.pk]), _("Acknowledge"))
            )
        links.append(
            (
                reverse("admin:alerts_alert_resolve", args=[obj.pk]),
                pgettext_lazy("alert action", "Resolve"),
            )
        )
        return format_html_join(
            " ",
            '<a href="{}" class="font-medium rounded-default px-2 py-1 border border-base-200 '
            'dark:border-base-700 whitespace-nowrap">{}</a>',
            links,
        )

    # -- actions --------------------------------------------------------------------------------

    @action(
        description=_("Acknowledge"),
        icon="task_alt",
        permissions=["acknowledge"],
        variant=ActionVariant.PRIMARY,
        dialog=ACKNOWLEDGE_DIALOG,
    )
    def acknowledge(self, request, form, object_id):
        alert = get_object_or_404(Alert, pk=object_id)
        services.acknowledge(alert, request.user)
        messages.success(request, _("Acknowledged: %(alert)s") % {"alert": alert.summary_text})
        return back_to(request, reverse("admin:alerts_alert_change", args=[alert.pk]))

    @action(
        description=pgettext_lazy("alert action", "Resolve"),
        icon="done_all",
        permissions=["resolve"],
        dialog=RESOLVE_DIALOG,
    )
    def resolve(self, request, form, object_id):
        alert = get_object_or_404(Alert, pk=object_id)
        services.resolve(alert, request.user)
        messages.success(request, _("Resolved: %(alert)s") % {"alert": alert.summary_text})
        return back_to(request, reverse("admin:alerts_alert_change", args=[alert.pk]))


def _open_alert(object_id, *, unacknowledged: bool = False) -> bool:
    """On an alert's page or row: only open alerts (and only unacknowledged ones to ack)."""
    if object_id is None:
        return True
    alerts = Alert.objects.filter(pk=object_id).exclude(state=AlertState.RESOLVED)
    if unacknowledged:
        alerts = alerts.filter(acknowledged_at__isnull=True)
    return alerts.exists()


def _link(url_name: str, pk, text) -> str:
    if pk is None:
        return "–"
    return format_html(
        '<a class="text-primary-600" href="{}">{}</a>', reverse(url_name, args=[pk]), text
    )
