"""Forms of the agent desk: a new ticket's description, the reply box, and the dialogs."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from unfold.forms import BaseDialogForm
from unfold.widgets import (
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import CannedReply, Ticket, TicketStatus
from erpkeeper.servicedesk.services import sla
from erpkeeper.servicedesk.services.attachments import IncomingFile, problem_with


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class TicketAddForm(forms.ModelForm):
    """A new ticket: what it is about and the description (its first message)."""

    body = forms.CharField(
        label=_("Description"),
        widget=UnfoldAdminTextareaWidget,
        help_text=_("What happens, what was expected, since when."),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    class Meta:
        model = Ticket
        fields = [
            "subject",
            "category",
            "erp_module",
            "target",
            "impact",
            "urgency",
            "queue",
            "requester",
            "requester_email",
            "requester_name",
        ]

    def clean_attachments(self):
        uploaded = self.cleaned_data["attachments"]
        problems = attachment_problems(uploaded)
        if problems:
            raise forms.ValidationError(problems)
        return uploaded


def attachment_problems(uploaded) -> list[str]:
    """Why uploaded files may not be attached (read, then rewound for the service)."""
    problems = []
    for upload in uploaded:
        problem = problem_with(IncomingFile(upload.name, upload.read()))
        upload.seek(0)
        if problem:
            problems.append(problem)
    return problems


class TicketChangeForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = ["subject", "category", "erp_module", "target", "impact", "urgency", "queue"]


class ReplyForm(forms.Form):
    """The reply box under the conversation."""

    body = forms.CharField(label=_("Message"), widget=UnfoldAdminTextareaWidget, required=False)
    public = forms.ChoiceField(
        label=_("Send as"),
        choices=[("1", _("Public reply (mailed to the requester)")), ("0", _("Internal note"))],
        widget=UnfoldAdminSelectWidget,
    )
    canned = forms.ModelChoiceField(
        label=_("Canned reply"),
        queryset=CannedReply.objects.all(),
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text=_("Used when the message is empty."),
    )
    status = forms.ChoiceField(
        label=_("Then set the status to"),
        choices=[("", _("(unchanged)")), *TicketStatus.choices],
        required=False,
        widget=UnfoldAdminSelectWidget,
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("body") or "").strip() and not cleaned.get("canned"):
            self.add_error("body", _("Write a message or choose a canned reply."))
        return cleaned


class MergeDialogForm(BaseDialogForm):
    number = forms.CharField(
        label=_("Merge into ticket"),
        max_length=24,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("Its number, e.g. ERP-2026-000123."),
    )

    def clean_number(self):
        number = self.cleaned_data["number"].strip()
        if not Ticket.objects.filter(number=number).exists():
            raise forms.ValidationError(_("No ticket has this number."))
        return number


class BusinessHoursField(forms.JSONField):
    def validate(self, value):
        super().validate(value)
        problem = sla.validate_hours(value)
        if problem:
            raise forms.ValidationError(problem)


class TicketNumbersDialogForm(BaseDialogForm):
    numbers = forms.CharField(
        label=_("Tickets"),
        widget=UnfoldAdminTextInputWidget,
        help_text=_("Their numbers, separated by spaces or commas."),
    )

    def clean_numbers(self):
        texts = self.cleaned_data["numbers"].replace(",", " ").split()
        if not texts:
            raise forms.ValidationError(_("Name at least one ticket."))
        try:
            return services.tickets_by_numbers(texts)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["tickets"]) from None


class ResolveProblemDialogForm(BaseDialogForm):
    resolve_incidents = forms.BooleanField(
        label=_("Also resolve the linked active tickets"), required=False
    )
    reply = forms.CharField(
        label=_("Public reply to their requesters"),
        widget=UnfoldAdminTextareaWidget,
        required=False,
        help_text=_("Required when the tickets are resolved too."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("resolve_incidents") and not (cleaned.get("reply") or "").strip():
            self.add_error("reply", _("Write the reply the requesters get."))
        return cleaned


class SaveFilterForm(forms.Form):
    """ "Save this filter" on the ticket list."""

    name = forms.CharField(label=_("Name"), max_length=100, widget=UnfoldAdminTextInputWidget)
    shared = forms.BooleanField(label=_("Share with everyone at the desk"), required=False)
    query = forms.CharField(required=False, widget=forms.HiddenInput)
