"""The console's channel form: common fields, each kind's settings, write-only secrets.

It validates with the services' own rules (so a refusal, such as a private address, shows
next to its field) and the admin then saves through the services, never the form itself.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminEmailInputWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminPasswordWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from erpkeeper.notifications import services
from erpkeeper.notifications.channels import get_kind
from erpkeeper.notifications.models import Channel

MODEL_FIELDS = ["name", "kind", "enabled", "min_severity", "targets", "description"]
# Form field -> the kinds that use it (the console shows it only for those).
KIND_FIELDS = {
    "url": ("webhook", "slack", "dingtalk", "wecom", "feishu"),
    "secret": ("webhook", "dingtalk", "feishu"),
    "forget_secret": ("webhook", "dingtalk", "feishu"),
    "host": ("email",),
    "port": ("email",),
    "security": ("email",),
    "username": ("email",),
    "password": ("email",),
    "from_address": ("email",),
    "recipients": ("email",),
    "blocks": ("slack",),
    "message_type": ("feishu",),
}


def _secret_widget():
    return UnfoldAdminPasswordWidget(render_value=False)


class ChannelForm(forms.ModelForm):
    url = forms.CharField(label=_("Webhook URL"), required=False, widget=_secret_widget())
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        widget=_secret_widget(),
        help_text=_("Webhook: the HMAC key. DingTalk: the 加签 secret (SEC…). Feishu: 签名校验."),
    )
    forget_secret = forms.BooleanField(
        label=_("Remove the signing secret"), required=False, widget=UnfoldBooleanSwitchWidget
    )
    host = forms.CharField(label=_("SMTP host"), required=False, widget=UnfoldAdminTextInputWidget)
    port = forms.IntegerField(
        label=_("SMTP port"), required=False, initial=587, widget=UnfoldAdminIntegerFieldWidget
    )
    security = forms.ChoiceField(
        label=_("Connection security"),
        required=False,
        choices=[("starttls", "STARTTLS"), ("ssl", "SSL/TLS"), ("none", _("None"))],
        initial="starttls",
        widget=UnfoldAdminSelectWidget,
    )
    username = forms.CharField(
        label=_("SMTP user"), required=False, widget=UnfoldAdminTextInputWidget
    )
    password = forms.CharField(label=_("SMTP password"), required=False, widget=_secret_widget())
    from_address = forms.CharField(
        label=_("From"), required=False, widget=UnfoldAdminEmailInputWidget
    )
    recipients = forms.CharField(
        label=_("Recipients"),
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("Email addresses separated by commas."),
    )
    blocks = forms.BooleanField(
        label=_("Formatted blocks"),
        required=False,
        initial=True,
        widget=UnfoldBooleanSwitchWidget,
        help_text=_("Turn off for Slack-compatible tools that only read the text."),
    )
    message_type = forms.ChoiceField(
        label=_("Message type"),
        required=False,
        choices=[("interactive", _("Card")), ("text", _("Text"))],
        initial="interactive",
        widget=UnfoldAdminSelectWidget,
    )

    class Meta:
        model = Channel
        fields = MODEL_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self._load_config(self.instance.config)
        self._describe_stored_secrets()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        candidate = self._candidate()
        for name, value in self.changes().items():
            if name != "targets":
                setattr(candidate, name, value)
        secrets = {**services.secrets_to_keep(candidate), **self.new_secrets()}
        try:
            services.validate_channel(candidate, secrets)
        except ValidationError as exc:
            self._add_service_errors(exc)
        return cleaned

    def _post_clean(self):
        # The services validate the channel (see clean); the form's own pass would repeat it.
        pass

    def changes(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in MODEL_FIELDS}
        data["config"] = self._config()
        return data

    def new_secrets(self) -> dict:
        """Secrets typed in; an empty field keeps the stored one."""
        secrets = {
            k: self.cleaned_data[k]
            for k in ("url", "secret", "password")
            if self.cleaned_data.get(k)
        }
        if self.cleaned_data.get("forget_secret"):
            secrets["secret"] = ""
        return secrets

    # -- helpers ----------------------------------------------------------------------------------

    def _candidate(self) -> Channel:
        if self.instance.pk:
            return Channel.objects.get(pk=self.instance.pk)
        return Channel()

    def _config(self) -> dict:
        kind = get_kind(self.cleaned_data.get("kind") or Channel.Kind.WEBHOOK)
        config = {key: self.cleaned_data.get(key) for key in kind.config_defaults}
        return {key: value for key, value in config.items() if value is not None}

    def _load_config(self, config: dict) -> None:
        for key, value in (config or {}).items():
            if key in self.fields:
                self.initial[key] = ", ".join(value) if isinstance(value, list) else value

    def _describe_stored_secrets(self) -> None:
        kept = _("Stored encrypted. Leave empty to keep it.")
        new = _("Stored encrypted and never shown again.")
        for key in ("url", "secret", "password"):
            stored = self.instance.pk and self.instance.has_secret(key)
            hint = kept if stored else new
            extra = self.fields[key].help_text
            self.fields[key].help_text = f"{extra} {hint}" if extra else hint

    def _add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for field_name, messages in exc.message_dict.items():
            target = field_name if field_name in self.fields else None
            for message in messages:
                self.add_error(target, message)


def conditional_fields() -> dict[str, str]:
    """unfold's ``conditional_fields``: each kind's fields shown only for that kind."""
    return {
        field: " || ".join(f"kind == '{kind}'" for kind in kinds)
        for field, kinds in KIND_FIELDS.items()
    }
