"""Forms of the console's own account pages (two-factor authentication)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from unfold.widgets import UnfoldAdminTextInputWidget, UnfoldBooleanWidget

CODE_ATTRS = {
    "autocomplete": "one-time-code",
    "autocapitalize": "none",
    "spellcheck": "false",
    "autofocus": "",
    "maxlength": "20",
}


class TwoFactorCodeForm(forms.Form):
    """The sign-in's second step: a code from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=UnfoldAdminTextInputWidget(attrs={**CODE_ATTRS, "inputmode": "text"}),
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
    )
    remember = forms.BooleanField(label="", required=False, widget=UnfoldBooleanWidget)

    def __init__(self, *args, remember_days: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        if remember_days:
            self.fields["remember"].label = ngettext_lazy(
                "Do not ask again on this browser for %(days)d day",
                "Do not ask again on this browser for %(days)d days",
                "days",
            ) % {"days": remember_days}
        else:
            del self.fields["remember"]


class TOTPDeviceSetupForm(forms.Form):
    """Enrolment: the first code from the newly scanned authenticator confirms it."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=20,
        widget=UnfoldAdminTextInputWidget(attrs={**CODE_ATTRS, "inputmode": "numeric"}),
    )
