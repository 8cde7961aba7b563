"""The filters of the change and pipeline-run lists, for the API, its schema and the CLI."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter, ChoiceFilter, FilterSet

from erpkeeper.changes.models import (
    ChangeRequest,
    ChangeState,
    ChangeType,
    CiSource,
    PipelineRun,
    PipelineStatus,
    RiskLevel,
)
from erpkeeper.lib.filters import CommaChoiceFilter, IdOrNameFilter


class ChangeRequestFilterSet(FilterSet):
    state = CommaChoiceFilter(
        choices=ChangeState.choices, help_text=_("e.g. scheduled,in_progress")
    )
    change_type = ChoiceFilter(
        choices=ChangeType.choices, help_text=_("standard, normal or emergency")
    )
    risk_level = ChoiceFilter(choices=RiskLevel.choices, help_text=_("low, medium or high"))
    target = IdOrNameFilter(field_name="targets", help_text=_("an affected target's id or name"))

    class Meta:
        model = ChangeRequest
        fields: list[str] = []


class PipelineRunFilterSet(FilterSet):
    source = ChoiceFilter(
        choices=CiSource.choices, help_text=_("generic, gitlab, github or jenkins")
    )
    status = ChoiceFilter(choices=PipelineStatus.choices, help_text=_("e.g. success or failed"))
    repository = CharFilter(help_text=_("the repository's name"))
    change = CharFilter(field_name="change__number", help_text=_("a change's number"))

    class Meta:
        model = PipelineRun
        fields: list[str] = []
