"""Console forms for backups. Each validates with the services' own rules, so a refusal shows
next to the field, and the admin then saves through the services (never the form itself)."""

from __future__ import annotations

import dataclasses

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from unfold.forms import BaseDialogForm
from unfold.widgets import (
    UnfoldAdminPasswordWidget,
    UnfoldAdminRadioSelectWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from erpkeeper.backups.models import Backup, BackupPolicy, Destination
from erpkeeper.backups.services import destinations as destination_services
from erpkeeper.backups.services import policies as policy_services
from erpkeeper.backups.services.requests import JobRequest, request_restore
from erpkeeper.backups.services.restore import (
    RestoreRefused,
    check_restore_request,
    default_restore_url,
)
from erpkeeper.lib import dburl
from erpkeeper.targets.models import Target


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names (else above the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field_name, messages in exc.message_dict.items():
        for message in messages:
            form.add_error(field_name if field_name in form.fields else None, message)


class DestinationForm(forms.ModelForm):
    secret_access_key = forms.CharField(
        label=_("Secret access key"),
        required=False,
        widget=UnfoldAdminPasswordWidget(render_value=False),
    )

    class Meta:
        model = Destination
        fields = list(destination_services.EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.has_secret:
            help_text = _("A secret is stored (encrypted). Leave empty to keep it.")
        else:
            help_text = _("S3 only. Stored encrypted and never shown again.")
        self.fields["secret_access_key"].help_text = help_text

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        candidate = self._candidate()
        for name, value in self.changes().items():
            setattr(candidate, name, value)
        try:
            destination_services.validate_destination(candidate)
        except ValidationError as exc:
            add_service_errors(self, exc)
        return cleaned

    def _post_clean(self):
        # The services validate the model (see clean); the form's own pass would too, twice.
        pass

    def _candidate(self) -> Destination:
        if self.instance.pk:
            return Destination.objects.get(pk=self.instance.pk)
        return Destination()

    def changes(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in destination_services.EDITABLE_FIELDS}

    def new_secret(self) -> str | None:
        """The secret typed in, or None to keep the stored one."""
        return self.cleaned_data.get("secret_access_key") or None


class BackupPolicyForm(forms.ModelForm):
    drill_database_url = forms.CharField(
        label=_("New drill server URL"),
        required=False,
        widget=UnfoldAdminPasswordWidget(render_value=False),
        help_text=_(
            "A database server where drills restore their scratch copy, e.g. "
            "postgresql://drill:password@standby:5432/postgres. Stored encrypted; leave empty "
            "to keep the current one."
        ),
    )
    forget_drill_server = forms.BooleanField(
        label=_("Drills restore next to the original database"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
        help_text=_("Forget the drill server; scratch copies go to the target's own server."),
    )

    class Meta:
        model = BackupPolicy
        fields = list(policy_services.EDITABLE_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        candidate = BackupPolicy.objects.select_related("target").get(pk=self.instance.pk)
        for name, value in self.changes().items():
            setattr(candidate, name, value)
        try:
            if self.drill_server() is not None:
                policy_services.set_drill_database_url(candidate, self.drill_server())
            policy_services.validate_policy(candidate)
        except ValidationError as exc:
            add_service_errors(self, exc)
        except dburl.DatabaseUrlError as exc:
            self.add_error("drill_database_url", str(exc))
        return cleaned

    def _post_clean(self):
        # Validated by the services in clean(), on a copy read from the database.
        pass

    def changes(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in policy_services.EDITABLE_FIELDS}

    def drill_server(self) -> str | None:
        """The new drill server URL, "" to forget it, None to keep the stored one."""
        if self.cleaned_data.get("forget_drill_server"):
            return ""
        return self.cleaned_data.get("drill_database_url") or None


class RestoreMode(models.TextChoices):
    NEW_DATABASE = "new", _("Restore into a new database (the original is not touched)")
    REPLACE = "replace", _("Replace the original database")


class RestoreWizardForm(forms.Form):
    """Where to restore one backup. Refusals come from the restore service's own checks."""

    mode = forms.ChoiceField(
        label=_("Restore into"),
        choices=RestoreMode.choices,
        initial=RestoreMode.NEW_DATABASE,
        widget=UnfoldAdminRadioSelectWidget,
    )
    to_url = forms.CharField(
        label=_("New database URL"),
        required=False,
        widget=UnfoldAdminTextInputWidget,
    )
    files_to = forms.CharField(
        label=_("Restore the file store into"),
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_(
            "An empty directory. Leave empty to skip the file store for a new database; "
            "replacing restores it over the target's file store path."
        ),
    )
    confirm_name = forms.CharField(
        label=_("Type the target's name to confirm"),
        required=False,
        strip=False,  # exactly: a stray space is not the name
        widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "off"}),
    )

    def __init__(self, backup: Backup, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.backup = backup
        self.restore_url = ""
        if backup.target is not None:  # a removed target's backup has no original to go next to
            self.fields["to_url"].initial = dburl.mask(default_restore_url(backup))
        self.fields["to_url"].help_text = _(
            "Prefilled with a new database next to the original. %(mask)s stands for the "
            "password of the original database (kept only for the same server and user)."
        ) % {"mask": dburl.MASK}

    @property
    def replacing(self) -> bool:
        return self.cleaned_data.get("mode") == RestoreMode.REPLACE

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.restore_url = self._destination_url()
            check_restore_request(
                self.backup,
                self.restore_url,
                self.replacing,
                cleaned.get("confirm_name", "") if self.replacing else "",
                (cleaned.get("files_to") or "").strip(),
            )
        except dburl.DatabaseUrlError as exc:
            self.add_error("to_url", str(exc))
        except RestoreRefused as exc:
            self.add_error("confirm_name" if self.replacing else None, str(exc))
        return cleaned

    def _destination_url(self) -> str:
        if self.backup.target is None:
            if self.replacing:
                raise RestoreRefused(
                    _("the backup's target was removed: restore into a new database")
                )
            typed = (self.cleaned_data.get("to_url") or "").strip()
            return fill_masked_password(typed, "") if typed else default_restore_url(self.backup)
        original = self.backup.target.database_url
        if self.replacing:
            return original
        typed = (self.cleaned_data.get("to_url") or "").strip()
        if not typed:
            return default_restore_url(self.backup)
        return fill_masked_password(typed, original)

    def request_restore(self, requested_by) -> JobRequest:
        """Queue the restore the form describes, through the service every interface uses."""
        return request_restore(
            self.backup,
            self.restore_url,
            replace=self.replacing,
            confirm=self.cleaned_data.get("confirm_name", "") if self.replacing else "",
            files_to=self.cleaned_data.get("files_to") or "",
            requested_by=requested_by,
        )


def fill_masked_password(url: str, original_url: str) -> str:
    """Put the original's password back where the prefilled URL shows the mask, but only for
    the original's own server and user: the password must never travel to another server."""
    parsed = dburl.parse(url)
    if parsed.password != dburl.MASK:
        return url
    if not original_url:  # no original (its target was removed): nothing the mask stands for
        raise dburl.DatabaseUrlError(
            _("Type this server's password: %(mask)s only stands for the original's.")
            % {"mask": dburl.MASK}
        )
    original = dburl.parse(original_url)
    same_login = (parsed.engine, parsed.host, parsed.port, parsed.user) == (
        original.engine,
        original.host,
        original.port,
        original.user,
    )
    if not same_login:
        raise dburl.DatabaseUrlError(
            _("Type this server's password: %(mask)s only stands for the original's.")
            % {"mask": dburl.MASK}
        )
    return dataclasses.replace(parsed, password=original.password).unparse()


class TargetDialogForm(BaseDialogForm):
    """The target a job runs for, preselected from ``?target=`` (buttons on a target's page)."""

    target = forms.ModelChoiceField(
        label=_("Target"), queryset=Target.objects.all(), widget=UnfoldAdminSelectWidget
    )

    def __init__(self, request, object_id=None, *args, **kwargs):
        super().__init__(request, object_id, *args, **kwargs)
        self.fields["target"].initial = request.GET.get("target")
