"""The filters of the backup, restore and drill lists, for the API and the CLI (lib/filters.py).

A target is matched by the name kept on each row, so the history of a removed target stays
listable."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter, FilterSet

from erpkeeper.backups.models import Backup, BackupStatus, Drill, Restore
from erpkeeper.core.runs import RunStatus
from erpkeeper.lib.filters import CommaChoiceFilter

TARGET_HELP = _("the target's name (also a removed target's)")
STATUS_HELP = _("one status or several separated by commas, e.g. failed,running")


class BackupFilterSet(FilterSet):
    target = CharFilter(field_name="target_name", help_text=TARGET_HELP)
    status = CommaChoiceFilter(choices=BackupStatus.choices, help_text=STATUS_HELP)

    class Meta:
        model = Backup
        fields = ["target", "status"]


class RestoreFilterSet(FilterSet):
    target = CharFilter(field_name="backup__target_name", help_text=TARGET_HELP)
    status = CommaChoiceFilter(choices=RunStatus.choices, help_text=STATUS_HELP)

    class Meta:
        model = Restore
        fields = ["target", "status"]


class DrillFilterSet(FilterSet):
    target = CharFilter(field_name="target_name", help_text=TARGET_HELP)
    status = CommaChoiceFilter(choices=RunStatus.choices, help_text=STATUS_HELP)

    class Meta:
        model = Drill
        fields = ["target", "status"]
