"""Console pages for alert rules: the list and the editor. Saving goes through the alert
engine's services (``create_rule`` / ``update_rule`` / ``delete_rule``); default rules can be
edited and disabled, never deleted."""

from __future__ import annotations

import copy

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.widgets import UnfoldAdminSelectWidget

from erpkeeper.alerts import services
from erpkeeper.alerts.models import Alert, AlertRule
from erpkeeper.alerts.services import RULE_FORM_FIELDS, RULE_RELATIONS
from erpkeeper.alerts.values import rule_unit, value_text
from erpkeeper.lib.admin import badge

RULE_FIELDS = list(RULE_FORM_FIELDS)
MANY_TO_MANY = RULE_RELATIONS


def known_metrics(current: str = "") -> list[tuple[str, str]]:
    """The metrics a rule can watch (see alerts.services.known_metrics), and the rule's own."""
    names = services.known_metrics()
    if current:
        names.add(current)
    return [(name, name) for name in sorted(names)]


class AlertRuleForm(forms.ModelForm):
    metric = forms.ChoiceField(label=_("metric"), widget=UnfoldAdminSelectWidget)

    class Meta:
        model = AlertRule
        fields = RULE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = known_metrics(self.instance.metric)
        self.fields["metric"].initial = self.instance.metric

    def rule_values(self, *, changed_only: bool) -> dict:
        """The cleaned values for the services (lists for many-to-many fields)."""
        names = self.changed_data if changed_only else RULE_FIELDS
        values = {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}
        for name in MANY_TO_MANY:
            if name in values:
                values[name] = list(values[name])
        return values

    def _post_clean(self):
        # The services' own validation on a copy (the form must not write onto the rule: the
        # services save it, and the audit trail compares it with what was stored).
        if self.errors:
            return
        candidate = copy.copy(self.instance)
        for name, value in self.cleaned_data.items():
            if name not in MANY_TO_MANY:
                setattr(candidate, name, value)
        try:
            services.validate_rule(candidate)
        except ValidationError as exc:
            add_service_errors(self, exc)


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError next to the fields it names (else above the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, problems in exc.message_dict.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


@admin.register(AlertRule)
class AlertRuleAdmin(ModelAdmin):
    form = AlertRuleForm
    list_display = [
        "name_display",
        "metric",
        "condition",
        "for_seconds",
        "enabled_badge",
        "default_badge",
    ]
    list_filter = ["enabled", "is_default", "metric"]
    search_fields = ["name", "metric", "description"]
    filter_horizontal = list(MANY_TO_MANY)
    fieldsets = [
        (None, {"fields": ["name", "description", "enabled"]}),
        (_("What to watch"), {"fields": ["metric", "targets", "hosts", "label_selector"]}),
        (
            _("Condition"),
            {
                "fields": [
                    "operator",
                    "warning_threshold",
                    "critical_threshold",
                    "recovery_threshold",
                    "for_seconds",
                    "no_data_intervals",
                ]
            },
        ),
        (
            _("Notifications"),
            {
                "fields": [
                    "channels",
                    "repeat_minutes",
                    "escalate_after_minutes",
                    "escalation_channel",
                    "escalation_team",
                ]
            },
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_default:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Bulk delete would reach default rules too; one rule at a time, through the services.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        try:
            if change:
                saved = services.update_rule(obj, **form.rule_values(changed_only=True))
            else:
                saved = services.create_rule(**form.rule_values(changed_only=False))
        except ValidationError as exc:
            messages.error(
                request, _("Not saved: %(reason)s") % {"reason": "; ".join(exc.messages)}
            )
            return
        # The admin's message and redirect name the rule the services saved.
        obj.pk, obj.name = saved.pk, saved.name

    def save_related(self, request, form, formsets, change):
        # The services set the many-to-many fields with the rule (and audit them together).
        pass

    def get_deleted_objects(self, objs, request):
        # A rule's alerts go with it (services.delete_rule). Nobody may delete alerts one by
        # one, so Django's check would refuse every rule that ever raised one.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(str(Alert._meta.verbose_name))
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        services.delete_rule(obj)

    @display(description=_("name"), ordering="name")
    def name_display(self, obj):
        return obj.display_name  # a default rule's name in the reader's language

    @display(description=_("Condition"))
    def condition(self, obj):
        unit = rule_unit(obj)
        levels = [
            f"{label} {obj.operator} {value_text(value, unit)}"
            for label, value in (
                (_("warning"), obj.warning_threshold),
                (_("critical"), obj.critical_threshold),
            )
            if value is not None
        ]
        if obj.no_data_intervals:
            levels.append(_("no data after %(n)s intervals") % {"n": obj.no_data_intervals})
        return " · ".join(str(level) for level in levels) or "–"

    @display(description=_("Enabled"), ordering="enabled")
    def enabled_badge(self, obj):
        return badge("success" if obj.enabled else None, _("on") if obj.enabled else _("off"))

    @display(description=_("Default rule"), ordering="is_default")
    def default_badge(self, obj):
        return badge("info", _("default")) if obj.is_default else ""
