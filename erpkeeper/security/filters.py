"""List filters of the security app, shared by the API and the CLI (erpkeeper.lib.filters)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from erpkeeper.core.runs import RunStatus
from erpkeeper.lib.filters import CommaChoiceFilter, DateOrTimeFilter
from erpkeeper.security.models import (
    AccessSnapshot,
    Finding,
    FindingKind,
    FindingSeverity,
    FindingState,
    SecurityCheckRun,
)


class AccessSnapshotFilterSet(django_filters.FilterSet):
    target = django_filters.CharFilter(field_name="target_name", help_text=_("Name of the target."))
    status = CommaChoiceFilter(choices=RunStatus.choices, help_text=_("Status of the snapshot."))
    since = DateOrTimeFilter(
        field_name="started", lookup_expr="gte", help_text=_("Taken at or after.")
    )
    until = DateOrTimeFilter(
        field_name="started", lookup_expr="lt", end_of_day=True, help_text=_("Taken before.")
    )

    class Meta:
        model = AccessSnapshot
        fields: list[str] = []


class FindingFilterSet(django_filters.FilterSet):
    target = django_filters.CharFilter(
        field_name="target__name", help_text=_("Name of the target.")
    )
    kind = CommaChoiceFilter(choices=FindingKind.choices, help_text=_("Kind of finding."))
    state = CommaChoiceFilter(choices=FindingState.choices, help_text=_("State of the finding."))
    severity = CommaChoiceFilter(
        choices=FindingSeverity.choices, help_text=_("Severity of the finding.")
    )

    class Meta:
        model = Finding
        fields: list[str] = []


class SecurityCheckRunFilterSet(django_filters.FilterSet):
    target = django_filters.CharFilter(field_name="target_name", help_text=_("Name of the target."))
    status = CommaChoiceFilter(choices=RunStatus.choices, help_text=_("Status of the run."))

    class Meta:
        model = SecurityCheckRun
        fields: list[str] = []
