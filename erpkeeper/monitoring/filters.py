"""The filters of the metric series list, for the API and the CLI (see lib/filters.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter, FilterSet

from erpkeeper.monitoring.models import Series


class SeriesFilterSet(FilterSet):
    metric = CharFilter(help_text=_("exact metric name, e.g. host.cpu.percent"))
    host = CharFilter(field_name="host__name", help_text=_("host name"))
    target = CharFilter(field_name="target__name", help_text=_("target name"))

    class Meta:
        model = Series
        fields = ["metric", "host", "target"]
