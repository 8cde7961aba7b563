"""The console's dialogs for the performance advisor."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.forms import BaseDialogForm
from unfold.widgets import (
    UnfoldAdminSelectWidget,
    UnfoldAdminSplitDateTimeWidget,
    UnfoldAdminTextareaWidget,
)

from erpkeeper.targets.models import Target


class TargetDialogForm(BaseDialogForm):
    """The target to check, preselected from ``?target=``."""

    target = forms.ModelChoiceField(
        label=_("Target"), queryset=Target.objects.all(), widget=UnfoldAdminSelectWidget
    )

    def __init__(self, request, object_id=None, *args, **kwargs):
        super().__init__(request, object_id, *args, **kwargs)
        self.fields["target"].initial = request.GET.get("target")


class AcceptDialogForm(BaseDialogForm):
    reason = forms.CharField(label=_("Why is it accepted?"), widget=UnfoldAdminTextareaWidget)
    until = forms.SplitDateTimeField(
        label=_("Until"),
        required=False,
        widget=UnfoldAdminSplitDateTimeWidget,
        help_text=_("Empty: until someone opens it again. After this date it opens again."),
    )


class AdviseDialogForm(BaseDialogForm):
    target = forms.ModelChoiceField(
        label=_("Target"), queryset=Target.objects.all(), widget=UnfoldAdminSelectWidget
    )
    sql = forms.CharField(
        label=_("Query"),
        widget=UnfoldAdminTextareaWidget,
        help_text=_("One SELECT, as the ERP or a report runs it (values or placeholders)."),
    )
