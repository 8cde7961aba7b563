"""The filters of the performance lists, for the API and the CLI (lib/filters.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter, FilterSet

from erpkeeper.core.runs import RunStatus
from erpkeeper.lib.filters import CommaChoiceFilter, IdFilter, IdOrNameFilter
from erpkeeper.performance.models import (
    CheckRun,
    CodeFolder,
    CodeReview,
    Finding,
    FindingState,
    IndexProof,
    IndexSuggestion,
    QueryStat,
    Severity,
    SuggestionState,
)

TARGET_HELP = _("the target's name")
LIST_HELP = _("one value or several separated by commas")


class CheckRunFilterSet(FilterSet):
    target = CharFilter(field_name="target_name", help_text=TARGET_HELP)
    status = CommaChoiceFilter(choices=RunStatus.choices, help_text=LIST_HELP)

    class Meta:
        model = CheckRun
        fields = ["target", "status"]


class FindingFilterSet(FilterSet):
    target = IdOrNameFilter(field_name="target", help_text=TARGET_HELP)
    severity = CommaChoiceFilter(choices=Severity.choices, help_text=LIST_HELP)
    state = CommaChoiceFilter(choices=FindingState.choices, help_text=LIST_HELP)
    check = CharFilter(
        field_name="check_id",
        lookup_expr="startswith",
        help_text=_("check id or its start, e.g. pg. or sqlite.freelist"),
    )

    class Meta:
        model = Finding
        fields = ["target", "severity", "state", "check"]


class QueryStatFilterSet(FilterSet):
    target = IdOrNameFilter(field_name="target", help_text=TARGET_HELP)
    run = IdFilter(field_name="run", help_text=_("a check run's id"))
    table = CharFilter(field_name="tables", lookup_expr="icontains", help_text=_("a table name"))

    class Meta:
        model = QueryStat
        fields = ["target", "run", "table"]


class IndexSuggestionFilterSet(FilterSet):
    target = IdOrNameFilter(field_name="target", help_text=TARGET_HELP)
    state = CommaChoiceFilter(choices=SuggestionState.choices, help_text=LIST_HELP)

    class Meta:
        model = IndexSuggestion
        fields = ["target", "state"]


class IndexProofFilterSet(FilterSet):
    target = CharFilter(field_name="target_name", help_text=TARGET_HELP)
    status = CommaChoiceFilter(choices=RunStatus.choices, help_text=LIST_HELP)

    class Meta:
        model = IndexProof
        fields = ["target", "status"]


class CodeFolderFilterSet(FilterSet):
    target = IdOrNameFilter(field_name="target", help_text=TARGET_HELP)

    class Meta:
        model = CodeFolder
        fields = ["target"]


class CodeReviewFilterSet(FilterSet):
    target = CharFilter(field_name="target_name", help_text=TARGET_HELP)
    status = CommaChoiceFilter(choices=RunStatus.choices, help_text=LIST_HELP)

    class Meta:
        model = CodeReview
        fields = ["target", "status"]
