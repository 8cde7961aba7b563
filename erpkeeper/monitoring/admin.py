"""Console pages for monitored hosts (list, add showing the token once, remove) and a read-only
list of metric series."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from erpkeeper.lib.admin import MUTED_COLOR, OK_COLOR, WARNING_COLOR, ServiceSaveMixin
from erpkeeper.monitoring import services as monitoring_services
from erpkeeper.monitoring.models import Host, HostKind, Series
from erpkeeper.monitoring.tsdb.http import agent_command

STALE_COLOR = WARNING_COLOR
STALE_AFTER_INTERVALS = 3
MIN_STALE_AFTER = dt.timedelta(minutes=2)

MONOSPACE = "font-family: ui-monospace, monospace; word-break: break-all; user-select: all;"
TOKEN_PAGE = engines["django"].from_string(
    """{% extends "admin/base_site.html" %}
{% block content %}
<div id="content-main" class="max-w-2xl">
  {% include "unfold/helpers/messages/warning.html" with message=warning %}
  <fieldset
    class="border border-base-200 mb-6 rounded-default p-4 shadow-xs dark:border-base-800">
    <p class="font-semibold mb-4">{{ host.name }}</p>
    <p class="mb-4"><code id="host-token" style="{{ monospace }}">{{ token }}</code></p>
    <p class="mb-2">{{ run_text }}</p>
    <p class="mb-4"><code style="{{ monospace }}">{{ command }}</code></p>
    <a class="font-medium inline-flex rounded-default px-3 py-2 border border-base-200"
       href="{{ changelist_url }}">{{ done_text }}</a>
  </fieldset>
</div>
{% endblock %}"""
)


class LabelsField(forms.CharField):
    """Labels as people write them, one ``key=value`` a line, instead of a JSON box."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", _("One label a line, key=value (for example: site=shanghai).")
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{key}={text}" for key, text in sorted(value.items()))
        return value

    def to_python(self, value) -> dict:
        labels = {}
        for number, line in enumerate((value or "").splitlines(), start=1):
            if not line.strip():
                continue
            key, equals, text = line.partition("=")
            if not equals or not key.strip():
                raise forms.ValidationError(
                    _("Line %(number)d is not key=value: %(line)s"),
                    params={"number": number, "line": line.strip()},
                )
            labels[key.strip()] = text.strip()
        return labels


class HostForm(forms.ModelForm):
    labels = LabelsField(label=_("labels"))

    class Meta:
        model = Host
        fields = ["name", "targets", "labels"]


@admin.register(Host)
class HostAdmin(ServiceSaveMixin, ModelAdmin):
    list_display = [
        "name",
        "kind",
        "last_seen_display",
        "series_count",
        "agent_version",
        "charts_link",
    ]
    list_filter = ["kind"]
    search_fields = ["name"]
    filter_horizontal = ["targets"]
    form = HostForm
    readonly_fields = [
        "kind",
        "last_seen_display",
        "last_batch_seq",
        "agent_version",
        "created",
        "charts_link",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(series_total=Count("series"))

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "targets", "labels"]
        return ["charts_link", "name", "kind", "targets", "labels", *self.readonly_fields[1:-1]]

    @display(description=_("Charts"))
    def charts_link(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        url = reverse("monitoring-host-charts", args=[obj.pk])
        return format_html(
            '<a class="text-primary-600 font-medium" href="{}">{}</a>', url, _("Show charts")
        )

    def get_readonly_fields(self, request, obj=None):
        # The name is what the agent sends: renaming would lock it out.
        return [] if obj is None else ["name", *self.readonly_fields]

    @display(description=_("Last seen"))
    def last_seen_display(self, obj):
        if obj.last_seen is None:
            return format_html('<span style="color: {}">{}</span>', MUTED_COLOR, _("never"))
        when = timezone.localtime(obj.last_seen).strftime("%Y-%m-%d %H:%M:%S")
        if is_stale(obj, timezone.now()):
            return format_html(
                '<span style="color: {}">⚠ {} ({})</span>', STALE_COLOR, when, _("stale")
            )
        return format_html('<span style="color: {}">✓</span> {}', OK_COLOR, when)

    @display(description=_("Series"), ordering="series_total")
    def series_count(self, obj):
        return obj.series_total

    def save_through_service(self, request, obj, form, change):
        if change:
            return None
        host, token = monitoring_services.create_host(
            form.cleaned_data["name"],
            kind=HostKind.AGENT,
            targets=form.cleaned_data.get("targets") or (),
            labels=form.cleaned_data.get("labels"),
        )
        request.erpkeeper_host_token = token
        return host

    def save_related(self, request, form, formsets, change):
        if change:  # a new host got its targets in create_host
            super().save_related(request, form, formsets, change)

    def response_add(self, request, obj, post_url_continue=None):
        token = getattr(request, "erpkeeper_host_token", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("The new host's token"),
            "host": obj,
            "token": token,
            "command": agent_command(obj.name, token, request),
            "monospace": MONOSPACE,
            "warning": _(
                "Copy this token now. It is shown only once: ERPKeeper keeps only a hash of it "
                "and cannot show it again."
            ),
            "run_text": _("On that machine, run the agent with:"),
            "done_text": _("I have stored it"),
            "changelist_url": reverse("admin:monitoring_host_changelist"),
        }
        response = TemplateResponse(request, TOKEN_PAGE, context)
        response["Cache-Control"] = "no-store"
        return response

    def delete_model(self, request, obj):
        monitoring_services.remove_host(obj)

    def delete_queryset(self, request, queryset):
        for host in queryset:
            monitoring_services.remove_host(host)


def is_stale(host: Host, now: dt.datetime) -> bool:
    allowed = max(
        dt.timedelta(seconds=host.interval_seconds * STALE_AFTER_INTERVALS), MIN_STALE_AFTER
    )
    return host.last_seen is None or now - host.last_seen > allowed


@admin.register(Series)
class SeriesAdmin(ModelAdmin):
    list_display = ["metric", "labels_display", "host", "target", "unit", "created"]
    list_filter = ["host", "target"]
    search_fields = ["metric"]
    list_select_related = ["host", "target"]

    @display(description=_("Labels"))
    def labels_display(self, obj):
        return ", ".join(f"{k}={v}" for k, v in sorted(obj.labels.items()))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
