"""The filters of the job list, for the API and the CLI (see lib/filters.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter, FilterSet

from erpkeeper.core.models import Job
from erpkeeper.lib.filters import CommaChoiceFilter, IdOrNameFilter


class JobFilterSet(FilterSet):
    status = CommaChoiceFilter(
        choices=Job.Status.choices,
        help_text=_("one status or several separated by commas, e.g. running,queued"),
    )
    kind = CharFilter(help_text=_("e.g. target.check"))
    target = IdOrNameFilter(help_text=_("the target's id or name"))

    class Meta:
        model = Job
        fields = ["status", "kind", "target"]
