"""List filters of the security app, shared by the API and the CLI (erpkeeper.lib.filters)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from erpkeeper.core.runs import RunStatus
from erpkeeper.lib.filters import (
    CommaChoiceFilter,
    DateOrTimeFilter,
    IdFilter,
    TrueFalseFilter,
)
from erpkeeper.security.models import (
    AccessSnapshot,
    CampaignStatus,
    Decision,
    Finding,
    FindingKind,
    FindingSeverity,
    FindingState,
    ItemVia,
    ReviewItem,
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


class ReviewItemFilterSet(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign", help_text=_("Id of the campaign."))
    target = django_filters.CharFilter(field_name="target_name", help_text=_("Name of the target."))
    decision = CommaChoiceFilter(choices=Decision.choices, help_text=_("Decision on the item."))
    via = CommaChoiceFilter(choices=ItemVia.choices, help_text=_("How the access is held."))
    status = CommaChoiceFilter(
        field_name="campaign__status",
        choices=CampaignStatus.choices,
        help_text=_("Status of the item's campaign."),
    )
    login = django_filters.CharFilter(help_text=_("ERP login of the user reviewed."))
    reviewer = django_filters.CharFilter(
        field_name="reviewer__username", help_text=_("Username of the reviewer.")
    )
    mine = TrueFalseFilter(method="filter_mine", help_text=_("Only the items I review."))

    class Meta:
        model = ReviewItem
        fields: list[str] = []

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(reviewer=user)
