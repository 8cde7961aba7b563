"""The filters of the privacy lists, for the API and the CLI (lib/filters.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import BooleanFilter, CharFilter, FilterSet

from erpkeeper.core.runs import RunStatus
from erpkeeper.governance.privacy.detectors import Category, Confidence
from erpkeeper.governance.privacy.models import ColumnFinding, PrivacyScan, RetentionRule
from erpkeeper.lib.filters import CommaChoiceFilter, IdFilter

TARGET_HELP = _("the target's name")
LIST_HELP = _("one value or several separated by commas")


class PrivacyScanFilterSet(FilterSet):
    target = CharFilter(field_name="target_name", help_text=TARGET_HELP)
    status = CommaChoiceFilter(choices=RunStatus.choices, help_text=LIST_HELP)
    full = BooleanFilter(help_text=_("full scans only (true) or sampled ones only (false)"))

    class Meta:
        model = PrivacyScan
        fields = ["target", "status", "full"]


class ColumnFindingFilterSet(FilterSet):
    scan = IdFilter(field_name="scan_id", help_text=_("the scan's id"))
    target = CharFilter(field_name="scan__target_name", help_text=TARGET_HELP)
    category = CommaChoiceFilter(choices=Category.choices, help_text=LIST_HELP)
    confidence = CommaChoiceFilter(choices=Confidence.choices, help_text=LIST_HELP)
    table = CharFilter(help_text=_("the ERP table"))

    class Meta:
        model = ColumnFinding
        fields = ["scan", "target", "category", "confidence", "table"]


class RetentionRuleFilterSet(FilterSet):
    category = CommaChoiceFilter(choices=Category.choices, help_text=LIST_HELP)

    class Meta:
        model = RetentionRule
        fields = ["category"]
