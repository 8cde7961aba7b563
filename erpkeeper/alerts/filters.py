"""The filters of the alert and silence lists, for the API and the CLI (see lib/filters.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import ChoiceFilter, FilterSet

from erpkeeper.alerts import services
from erpkeeper.alerts.models import Alert, AlertState, Severity, Silence
from erpkeeper.lib.filters import IdFilter, IdOrNameFilter, TrueFalseFilter


class AlertFilterSet(FilterSet):
    state = ChoiceFilter(choices=AlertState.choices, help_text=_("the alert's state"))
    severity = ChoiceFilter(choices=Severity.choices, help_text=_("the alert's severity"))
    rule = IdFilter(help_text=_("the rule's id"))
    target = IdOrNameFilter(help_text=_("the target's id or name"))

    class Meta:
        model = Alert
        fields = ["state", "severity", "rule", "target"]


class SilenceFilterSet(FilterSet):
    active = TrueFalseFilter(
        method="filter_active", help_text=_("true: only those in force; false: the others")
    )

    class Meta:
        model = Silence
        fields = ["active"]

    def filter_active(self, queryset, name, value):
        in_force = services.in_force(queryset)
        return in_force if value else queryset.exclude(pk__in=in_force.values("pk"))
