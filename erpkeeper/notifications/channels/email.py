"""Email through an SMTP server of the channel's own (host, port, STARTTLS or TLS, login).

Built per channel with Django's SMTP backend, so each channel can use a different relay and
the platform needs no global EMAIL_* settings. The SMTP host is not subject to the private
address guard of webhooks: mail relays are usually inside the network.
"""

from __future__ import annotations

import smtplib
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erpkeeper.core.mail import MailNotSent, OutgoingMail
from erpkeeper.notifications import conf
from erpkeeper.notifications.channels.base import (
    ChannelKind,
    DeliveryResult,
    Notification,
    one_line,
)
from erpkeeper.notifications.channels.http import elapsed_ms, result_from_exception
from erpkeeper.notifications.channels.registry import register
from erpkeeper.notifications.channels.text import plain_text
from erpkeeper.notifications.models import Channel, SecretValues

SECURITY_CHOICES = ("starttls", "ssl", "none")
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
SUBJECT_PREFIX = "[ERPKeeper]"


@register
class EmailKind(ChannelKind):
    kind = Channel.Kind.EMAIL
    label = gettext_lazy("Email")
    config_defaults = {
        "host": "",
        "port": 587,
        "security": "starttls",
        "username": "",
        "from_address": "",
        "recipients": [],
    }
    secret_keys = ("password",)

    def validate_config(self, config: dict, secrets: SecretValues) -> dict:
        cleaned = super().validate_config(config, secrets)
        cleaned["recipients"] = address_list(cleaned["recipients"])
        errors = {}
        if not str(cleaned["host"]).strip():
            errors["host"] = _("This field is required.")
        try:
            cleaned["port"] = int(cleaned["port"])
            if not 0 < cleaned["port"] < 65536:
                raise ValueError
        except (TypeError, ValueError):
            errors["port"] = _("Enter a port number between 1 and 65535.")
        if cleaned["security"] not in SECURITY_CHOICES:
            errors["security"] = _("Choose one of: %s") % ", ".join(SECURITY_CHOICES)
        errors.update(_address_errors(cleaned["from_address"], cleaned["recipients"]))
        if errors:
            raise ValidationError(errors)
        return cleaned

    def describe(self, config: dict, secrets: SecretValues) -> str:
        recipients = ", ".join(config.get("recipients", []))
        return f"{config.get('host')}:{config.get('port')} → {recipients}"[:500]

    def render(self, notification: Notification, config: dict) -> dict:
        subject = " ".join(notification.subject.split())  # a header: no line breaks
        return {
            "subject": f"{SUBJECT_PREFIX} [{notification.severity_label}] {subject}",
            "body": plain_text(notification),
        }

    def send(self, payload: dict, config: dict, secrets: SecretValues) -> DeliveryResult:
        started = time.monotonic()
        try:
            connection = _connection(config, secrets)
            email = EmailMessage(
                payload["subject"],
                payload["body"],
                config["from_address"],
                config["recipients"],
                connection=connection,
            )
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            result = _refused(exc, started)
        except smtplib.SMTPResponseException as exc:
            result = _smtp_failure(exc.smtp_code, exc.smtp_error, started)
        except smtplib.SMTPNotSupportedError as exc:
            result = DeliveryResult.failure(
                str(exc), permanent=True, duration_ms=elapsed_ms(started)
            )
        except (OSError, smtplib.SMTPException) as exc:
            result = result_from_exception(exc, started)
        else:
            # sendmail() returns only once the server answered 250 to the message data.
            result = DeliveryResult(
                ok=True, status_code=250, response="250", duration_ms=elapsed_ms(started)
            )
        result.error = one_line(result.error, secrets)
        return result


def address_list(value) -> list[str]:
    """Recipients from a list or a comma/semicolon/space separated string."""
    if isinstance(value, str):
        value = value.replace(";", ",").replace(" ", ",").split(",")
    return [str(item).strip() for item in value or [] if str(item).strip()]


def _address_errors(from_address: str, recipients: list[str]) -> dict:
    errors = {}
    try:
        validate_email(from_address)
    except ValidationError:
        errors["from_address"] = _("Enter a valid email address.")
    if not recipients:
        errors["recipients"] = _("Enter at least one recipient.")
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError:
            errors["recipients"] = _("%(address)s is not a valid email address.") % {
                "address": address
            }
    return errors


def _connection(config: dict, secrets: SecretValues):
    return get_connection(
        SMTP_BACKEND,
        host=config["host"],
        port=config["port"],
        username=config.get("username") or None,
        password=secrets.get("password") or None,
        use_tls=config["security"] == "starttls",
        use_ssl=config["security"] == "ssl",
        timeout=conf.read_timeout(),
        fail_silently=False,
    )


def _refused(exc: smtplib.SMTPRecipientsRefused, started: float) -> DeliveryResult:
    code, reply = next(iter(exc.recipients.values()), (0, b""))
    return _smtp_failure(code, reply, started)


def _smtp_failure(code: int, reply, started: float) -> DeliveryResult:
    """5xx replies (bad login, unknown recipient, refused sender) need a person; 4xx pass."""
    text = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else str(reply)
    return DeliveryResult.failure(
        _("SMTP %(code)s: %(reply)s") % {"code": code, "reply": text},
        permanent=500 <= int(code or 0) < 600,
        status_code=code or None,
        response=f"{code} {text}"[:255],
        duration_ms=elapsed_ms(started),
    )


# -- mail to one person (core.mail's port) --------------------------------------------------------


def mail_channel() -> Channel | None:
    """The channel whose SMTP server mails people: ERPKEEPER_MAIL_CHANNEL, else the first
    enabled e-mail channel."""
    channels = Channel.objects.filter(kind=Channel.Kind.EMAIL, enabled=True)
    if settings.MAIL_CHANNEL:
        channels = channels.filter(name=settings.MAIL_CHANNEL)
    return channels.order_by("pk").first()


def send_to_person(mail: OutgoingMail) -> None:
    """Send ``mail`` through the mail channel's SMTP server, from its address, with the
    threading headers the caller chose. MailNotSent (permanent for a 5xx) when it fails."""
    channel = mail_channel()
    if channel is None:
        raise MailNotSent(_("No enabled e-mail channel to send with."), permanent=True)
    secrets = channel.secret_values()
    headers = {"Message-ID": mail.message_id, **mail.headers}
    if mail.in_reply_to:
        headers["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        headers["References"] = " ".join(mail.references)
    message = EmailMessage(
        " ".join(mail.subject.split()),
        mail.body,
        channel.config["from_address"],
        list(mail.to),
        reply_to=[mail.reply_to] if mail.reply_to else None,
        headers=headers,
        connection=_connection(channel.config, secrets),
    )
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPResponseException as exc:
        permanent = 500 <= int(exc.smtp_code or 0) < 600
        reply = exc.smtp_error
        text = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else str(reply)
        reason = one_line(f"SMTP {exc.smtp_code}: {text}", secrets)
        raise MailNotSent(reason, permanent) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailNotSent(one_line(str(exc), secrets), permanent=True) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotSent(one_line(f"{type(exc).__name__}: {exc}", secrets)) from None
