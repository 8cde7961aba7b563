"""Forms of the portal: a new ticket, a reply (or reopening), a rating, a new password."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from erpkeeper.accounts import services as accounts
from erpkeeper.servicedesk.admin.forms import MultipleFileField, attachment_problems
from erpkeeper.servicedesk.models import Level, Ticket
from erpkeeper.servicedesk.services import IncomingFile
from erpkeeper.servicedesk.services.portal import targets_for_tickets

RATINGS = [(n, str(n)) for n in range(1, 6)]


class AttachmentsMixin:
    """Refuses files over the size limit or of a type not accepted before the service runs,
    with the service's own reasons."""

    def clean_attachments(self):
        uploaded = self.cleaned_data["attachments"]
        problems = attachment_problems(uploaded)
        if problems:
            raise ValidationError(problems)
        return uploaded

    def incoming_files(self) -> list[IncomingFile]:
        return [
            IncomingFile(f.name, f.read(), f.content_type or "")
            for f in self.cleaned_data["attachments"]
        ]


class TicketPortalForm(AttachmentsMixin, forms.ModelForm):
    """A new ticket from an ERP user: what it is about, how bad, the description, files."""

    body = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What happens, what was expected, since when."),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    class Meta:
        model = Ticket
        fields = ["subject", "category", "erp_module", "target", "impact", "urgency"]
        labels = {"target": _("Affected system")}
        help_texts = {
            "impact": _("How many people or how much of the business it stops."),
            "urgency": _("How soon it must be solved."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets_for_tickets()
        self.fields["impact"].initial = Level.LOW
        self.fields["urgency"].initial = Level.MEDIUM
        self.fields["subject"].widget.attrs.update(
            {"autocomplete": "off", "data-suggest": "1", "autofocus": True}
        )


class TicketMessagePortalForm(AttachmentsMixin, forms.Form):
    """The requester's reply; on a resolved ticket it reopens it."""

    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("Attachments"), required=False)


class TicketRatingPortalForm(forms.Form):
    """Satisfaction with a resolved ticket, 1 (poor) to 5 (excellent)."""

    rating = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class UserPortalPasswordForm(PasswordChangeForm):
    """Django's own password change, plus the platform's rule that a one-time password cannot
    be kept by typing it again."""

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("new_password2")
        if password and not self.has_error("new_password2"):
            try:
                accounts.validate_new_password(self.user, password)
            except ValidationError as exc:
                self.add_error("new_password2", exc.message_dict["password"])
        return cleaned


class UserPortalSignupForm(forms.Form):
    """A new Portal user account, for people of the allowed e-mail domains."""

    full_name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Work e-mail address"))
    username = forms.CharField(label=_("User name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned
