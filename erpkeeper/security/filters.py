"""List filters of the security app, shared by the API and the CLI (erpkeeper.lib.filters)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from erpkeeper.core.runs import RunStatus
from erpkeeper.lib.filters import CommaChoiceFilter, DateOrTimeFilter
from erpkeeper.security.models import AccessSnapshot


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
