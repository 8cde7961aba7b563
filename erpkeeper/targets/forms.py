"""Console forms for targets; saving goes through the services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminPasswordWidget, UnfoldAdminTextareaWidget

from erpkeeper.targets import adapters, services
from erpkeeper.targets.models import Target

MODEL_FIELDS = [
    "name",
    "kind",
    "environment",
    "host_name",
    "file_store_path",
    "erp_server_url",
    "rpo_minutes",
    "rto_minutes",
    "description",
]


class TargetForm(forms.ModelForm):
    database_url = forms.CharField(
        label=_("Database URL"),
        required=False,
        widget=UnfoldAdminPasswordWidget(render_value=False),
        help_text=_(
            "sqlite:////path/erp.sqlite or postgresql://user:password@host:5432/database. "
            "Stored encrypted; leave empty to keep the current one."
        ),
    )
    windows = forms.CharField(
        label=_("Maintenance windows"),
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text=_(
            "One per line: DAY HH:MM DURATION [TIME ZONE], e.g. sun 02:00 4h Asia/Shanghai"
        ),
    )
    verify = forms.BooleanField(
        label=_("Check the connection before saving"), required=False, initial=True
    )

    class Meta:
        model = Target
        fields = MODEL_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # No kind field: it is fixed once added (read-only on the page), and a required
            # field the page does not show made every edit fail without a visible reason.
            self.fields["windows"].initial = "\n".join(
                str(w) for w in self.instance.maintenance_windows.all()
            )
            self.fields.pop("verify")
        else:
            self.fields["kind"] = forms.ChoiceField(
                label=_("ERP kind"), choices=adapters.kinds(), initial="tryton"
            )
            self.fields["database_url"].required = True
        self.prepared = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # Not Meta.fields: the admin widens it with the form-only fields of its fieldsets.
        fields = {name: cleaned.get(name) for name in MODEL_FIELDS}
        windows = [line for line in (cleaned.get("windows") or "").splitlines() if line.strip()]
        try:
            if self.instance.pk:
                fields.pop("kind")
                self.prepared = services.prepare_changes(
                    Target.objects.get(pk=self.instance.pk),
                    database_url=cleaned.get("database_url") or None,
                    windows=windows,
                    **fields,
                )
            else:
                self.prepared = services.prepare_new_target(
                    database_url=cleaned.get("database_url"),
                    windows=windows,
                    verify=cleaned.get("verify", True),
                    **fields,
                )
        except ValidationError as exc:
            self._add_service_errors(exc)
        except services.TargetCheckFailed as exc:
            self.add_error("database_url", exc.result.error)
        return cleaned

    def _post_clean(self):
        # The services validate the model (uniqueness included); skip the form's own pass,
        # which would also see the not-editable encrypted URL as missing.
        pass

    def _add_service_errors(self, exc: ValidationError) -> None:
        for field_name, messages in exc.message_dict.items():
            target_field = field_name if field_name in self.fields else None
            if field_name == "maintenance_windows":
                target_field = "windows"
            for message in messages:
                self.add_error(target_field, message)
