"""Console pages for silences: the list, "Silence…" (a target, a host or a rule for a while,
preselected from ``?target=`` on a target's page) and "Expire now", through the services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.enums import ActionVariant
from unfold.forms import BaseDialogForm
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from erpkeeper.alerts import services
from erpkeeper.alerts.models import AlertRule, Silence
from erpkeeper.lib.admin import EvidenceAdminMixin, back_to, badge
from erpkeeper.monitoring.models import Host
from erpkeeper.targets.models import Target

DURATIONS = {
    "1h": dt.timedelta(hours=1),
    "4h": dt.timedelta(hours=4),
    "24h": dt.timedelta(hours=24),
    "3d": dt.timedelta(days=3),
    "7d": dt.timedelta(days=7),
}
DURATION_CHOICES = [
    ("1h", _("1 hour")),
    ("4h", _("4 hours")),
    ("24h", _("1 day")),
    ("3d", _("3 days")),
    ("7d", _("1 week")),
]


class SilenceDialogForm(BaseDialogForm):
    """What to silence and for how long; the target comes preselected from ``?target=``."""

    target = forms.ModelChoiceField(
        label=_("Target"),
        queryset=Target.objects.all(),
        required=False,
        widget=UnfoldAdminSelectWidget,
    )
    host = forms.ModelChoiceField(
        label=_("Host"), queryset=Host.objects.all(), required=False, widget=UnfoldAdminSelectWidget
    )
    rule = forms.ModelChoiceField(
        label=_("Rule"),
        queryset=AlertRule.objects.all(),
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text=_("Empty: every rule."),
    )
    duration = forms.ChoiceField(
        label=_("For"), choices=DURATION_CHOICES, initial="4h", widget=UnfoldAdminSelectWidget
    )
    comment = forms.CharField(label=_("Why"), max_length=255, widget=UnfoldAdminTextInputWidget)

    def __init__(self, request, object_id=None, *args, **kwargs):
        super().__init__(request, object_id, *args, **kwargs)
        self.fields["target"].initial = request.GET.get("target")
        self.fields["host"].initial = request.GET.get("host")

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in ("target", "host", "rule")):
            # Next to a field: unfold's dialog shows no errors of the form as a whole.
            self.add_error("target", _("Choose a target, a host or a rule to silence."))
        return cleaned


SILENCE_DIALOG = {
    "title": _("Silence alerts"),
    "description": _(
        "Matching alerts are still recorded and shown, but no notification is sent until the "
        "silence ends."
    ),
    "form_class": SilenceDialogForm,
    "form_submit_text": _("Silence"),
}
EXPIRE_DIALOG = {
    "title": _("End this silence now?"),
    "description": _("Notifications for matching alerts are sent again from now on."),
    "form_class": None,
    "form_submit_text": _("End now"),
}


def is_active(silence: Silence, now=None) -> bool:
    now = now or timezone.now()
    return silence.starts <= now < silence.ends


@admin.register(Silence)
class SilenceAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "comment",
        "active_badge",
        "target",
        "host",
        "rule",
        "metric",
        "starts",
        "ends",
        "created_by",
    ]
    list_filter = ["target", "host", "rule"]
    list_select_related = ["target", "host", "rule", "created_by"]
    search_fields = ["comment", "metric"]
    actions_list = ["silence"]
    actions_row = ["expire"]
    actions_detail = ["expire"]
    readonly_fields = [
        "comment",
        "active_badge",
        "target",
        "host",
        "rule",
        "metric",
        "starts",
        "ends",
        "created_by",
        "created",
    ]
    fields = readonly_fields

    def has_silence_permission(self, request, object_id=None):
        return request.user.has_perm("alerts.add_silence")

    def has_expire_permission(self, request, object_id=None):
        if not request.user.has_perm("alerts.change_silence"):
            return False
        return (
            object_id is None
            or Silence.objects.filter(pk=object_id, ends__gt=timezone.now()).exists()
        )

    @display(description=_("Active"))
    def active_badge(self, obj):
        if is_active(obj):
            return badge("warning", _("active"))
        return badge(None, _("upcoming") if obj.starts > timezone.now() else _("ended"))

    @action(
        description=_("Silence…"),
        icon="notifications_off",
        permissions=["silence"],
        variant=ActionVariant.PRIMARY,
        dialog=SILENCE_DIALOG,
    )
    def silence(self, request, form):
        now = timezone.now()
        data = form.cleaned_data
        silence = services.create_silence(
            target=data["target"],
            host=data["host"],
            rule=data["rule"],
            starts=now,
            ends=now + DURATIONS[data["duration"]],
            comment=data["comment"],
            user=request.user,
        )
        messages.success(request, _("Silenced until %(ends)s.") % {"ends": _local(silence.ends)})
        return back_to(request, reverse("admin:alerts_silence_changelist"))

    @action(
        description=_("End now"), icon="timer_off", permissions=["expire"], dialog=EXPIRE_DIALOG
    )
    def expire(self, request, form, object_id):
        silence = get_object_or_404(Silence, pk=object_id)
        services.expire_silence(silence, request.user)
        messages.success(request, _("The silence ended."))
        return back_to(request, reverse("admin:alerts_silence_changelist"))


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
