"""The console's dialogs for risky accounts, security checks and access review campaigns."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.forms import BaseDialogForm
from unfold.widgets import (
    UnfoldAdminDateWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanWidget,
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
    expires = forms.DateField(
        label=_("Until"),
        widget=UnfoldAdminDateWidget,
        help_text=_("After this date the finding is open again."),
    )
    owner = forms.CharField(
        label=_("Owner"),
        required=False,
        help_text=_("Who answers for it; empty keeps the current owner."),
        widget=UnfoldAdminTextInputWidget,
    )


class LaunchDialogForm(BaseDialogForm):
    fresh = forms.BooleanField(
        label=_("Take a new snapshot of each target first"),
        required=False,
        widget=UnfoldBooleanWidget,
        help_text=_("Otherwise each target's latest successful snapshot is reviewed."),
    )
