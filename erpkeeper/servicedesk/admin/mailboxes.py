"""Console pages for the mailboxes polled over IMAP (part of the desk's setup): a form whose
password is write-only, the last poll and its error, "Poll now" (a job, its page opens) and
"Test connection"."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminPasswordWidget

from erpkeeper.core.jobs.admin import show_requested_job
from erpkeeper.lib.admin import BAD_COLOR, ServiceSaveMixin, mark, without_bulk_delete
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import Mailbox
from erpkeeper.servicedesk.services.imap import MailboxError
from erpkeeper.servicedesk.services.mailboxes import EDITABLE_FIELDS

STATE_FIELDS = ["state_display", "last_poll", "received_count", "ignored_count", "failed_count"]


class MailboxForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Password"), required=False, widget=UnfoldAdminPasswordWidget(render_value=False)
    )

    class Meta:
        model = Mailbox
        fields = list(EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.has_password:
            help_text = _("A password is stored (encrypted). Leave empty to keep it.")
        else:
            help_text = _("Stored encrypted and never shown again.")
        self.fields["password"].help_text = help_text

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if not password and not self.instance.has_password:
            raise forms.ValidationError(_("Give the mailbox's password."))
        return password

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


@admin.register(Mailbox)
class MailboxAdmin(ServiceSaveMixin, ModelAdmin):
    form = MailboxForm
    list_display = ["name", "server_display", "folder", "queue", "enabled", "state_display"]
    list_filter = ["enabled", "queue"]
    list_select_related = ["queue"]
    search_fields = ["name", "host", "username"]
    actions_detail = ["poll_now", "test_now"]
    actions_row = ["poll_row"]
    readonly_fields = STATE_FIELDS

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["name", "queue", "enabled", "poll_minutes"]}),
            (
                _("IMAP server"),
                {"fields": ["host", "port", "security", "username", "password", "folder"]},
            ),
        ]
        if obj is not None:
            fieldsets.append((_("Polling"), {"fields": STATE_FIELDS}))
        return fieldsets

    def get_actions(self, request):
        return without_bulk_delete(super().get_actions(request))

    def save_through_service(self, request, obj, form, change):
        if change:
            return services.update_mailbox(
                Mailbox.objects.get(pk=obj.pk),
                password=form.cleaned_data["password"],
                **form.changes(),
            )
        return services.create_mailbox(password=form.cleaned_data["password"], **form.changes())

    def delete_model(self, request, obj):
        services.remove_mailbox(obj)

    # -- columns ----------------------------------------------------------------------------------

    @display(description=_("IMAP server"))
    def server_display(self, obj):
        return f"{obj.host}:{obj.port} ({obj.get_security_display()})"

    @display(description=_("Last poll"), ordering="last_poll")
    def state_display(self, obj):
        if obj.last_poll is None:
            return mark(None, str(_("Not polled yet")))
        if obj.last_error:
            return format_html(
                '{} <span style="color: {}">{}</span>', mark(False), BAD_COLOR, obj.last_error
            )
        filed = ngettext(
            "%(count)d message filed so far", "%(count)d messages filed so far", obj.received_count
        ) % {"count": obj.received_count}
        return format_html("{} {}", mark(True), filed)

    # -- poll now, test connection ----------------------------------------------------------------

    @action(description=_("Poll now"), icon="move_to_inbox", permissions=["poll"])
    def poll_now(self, request, object_id):
        return show_requested_job(
            request, services.request_poll(self._mailbox(object_id), request.user)
        )

    @action(description=_("Poll now"), icon="move_to_inbox", permissions=["poll"])
    def poll_row(self, request, object_id):
        return show_requested_job(
            request, services.request_poll(self._mailbox(object_id), request.user)
        )

    @action(description=_("Test connection"), icon="lan", permissions=["poll"])
    def test_now(self, request, object_id):
        mailbox = self._mailbox(object_id)
        try:
            messages.success(request, services.test_connection(mailbox))
        except MailboxError as exc:
            messages.error(
                request, _("%(name)s: %(reason)s") % {"name": mailbox.name, "reason": exc}
            )
        return redirect(reverse("admin:servicedesk_mailbox_change", args=[object_id]))

    def has_poll_permission(self, request, object_id=None):
        # Polling files tickets and marks mail read; testing logs in with the stored password.
        return request.user.has_perm("servicedesk.change_mailbox")

    def _mailbox(self, object_id) -> Mailbox:
        return Mailbox.objects.get(pk=object_id)
