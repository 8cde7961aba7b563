"""List filters of the security app, shared by the API and the CLI (erpkeeper.lib.filters)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erpkeeper.core.runs import RunStatus
from erpkeeper.lib.filters import (
    CommaChoiceFilter,
    DateOrTimeFilter,
    IdFilter,
    IdOrNameFilter,
    TrueFalseFilter,
    id_or_name,
)
from erpkeeper.security.models import (
    AcceptedException,
    AccessSnapshot,
    CampaignStatus,
    Decision,
    Finding,
    FindingKind,
    FindingSeverity,
    FindingState,
    ItemVia,
    MitigatingControl,
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


class MitigatingControlFilterSet(django_filters.FilterSet):
    risk = django_filters.CharFilter(help_text=_("Risk id, e.g. P2P-02."))
    target = IdOrNameFilter(
        method="filter_target",
        help_text=_("Id or name of the target (controls for every target too)."),
    )
    login = django_filters.CharFilter(help_text=_("ERP login."))
    active = TrueFalseFilter(method="filter_active", help_text=_("Not expired (true) or expired."))

    class Meta:
        model = MitigatingControl
        fields = ["risk", "target", "login", "active"]

    def filter_active(self, queryset, name, value):
        today = timezone.localdate()
        current = Q(expires__isnull=True) | Q(expires__gte=today)
        return queryset.filter(current) if value else queryset.exclude(current)

    def filter_target(self, queryset, name, value):
        # A control for every target applies to each one: listed with any target asked for.
        return queryset.filter(Q(target__isnull=True) | Q(**id_or_name(name, value)))


class AcceptedExceptionFilterSet(django_filters.FilterSet):
    risk = django_filters.CharFilter(help_text=_("Risk id, e.g. P2P-02."))
    target = IdOrNameFilter(help_text=_("Id or name of the target."))
    login = django_filters.CharFilter(help_text=_("ERP login."))
    active = TrueFalseFilter(method="filter_active", help_text=_("Not expired (true) or expired."))

    class Meta:
        model = AcceptedException
        fields = ["risk", "target", "login", "active"]

    def filter_active(self, queryset, name, value):
        today = timezone.localdate()
        return queryset.filter(expires__gte=today) if value else queryset.filter(expires__lt=today)
