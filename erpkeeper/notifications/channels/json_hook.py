"""What the HTTP kinds share: a secret URL, a JSON POST, and the robots' in-body error codes."""

from __future__ import annotations

import json
import time
from http.client import HTTPException
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from erpkeeper.notifications.channels import http
from erpkeeper.notifications.channels.base import ChannelKind, DeliveryResult, one_line
from erpkeeper.notifications.models import SecretValues


def masked_url(url: str) -> str:
    """Scheme, host and port only: the path or query of a robot URL is its access token."""
    parts = urlsplit(url)
    if not parts.hostname:
        return ""
    netloc = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    return f"{parts.scheme}://{netloc}/…"


class JsonWebhookKind(ChannelKind):
    """A kind that POSTs JSON to a URL kept secret (``url``)."""

    secret_keys = ("url",)
    required_secrets = ("url",)

    def validate_config(self, config: dict, secrets: SecretValues) -> dict:
        cleaned = super().validate_config(config, secrets)
        http.validate_url(secrets["url"])
        return cleaned

    def describe(self, config: dict, secrets: SecretValues) -> str:
        return masked_url(secrets.get("url", ""))

    def send(self, payload: dict, config: dict, secrets: SecretValues) -> DeliveryResult:
        started = time.monotonic()
        timestamp = time.time()
        payload = self.signed_payload(payload, secrets, timestamp)
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            response = http.post_json(
                self.request_url(secrets, timestamp), body, self.headers(body, secrets, timestamp)
            )
        except (http.UrlRefused, OSError, HTTPException) as exc:
            result = http.result_from_exception(exc, started)
        else:
            result = http.result_from_status(response, started)
            if result.ok:
                result = self.check_answer(response, result)
        result.error = one_line(result.error, secrets)
        result.response = one_line(result.response, secrets)[:255]
        return result

    # -- hooks for the kinds ----------------------------------------------------------------------

    def request_url(self, secrets: SecretValues, timestamp: float) -> str:
        return secrets["url"]

    def signed_payload(self, payload: dict, secrets: SecretValues, timestamp: float) -> dict:
        return payload

    def headers(self, body: bytes, secrets: SecretValues, timestamp: float) -> dict[str, str]:
        return {}

    def check_answer(self, response: http.HttpResponse, result: DeliveryResult) -> DeliveryResult:
        return result


class RobotKind(JsonWebhookKind):
    """DingTalk, WeCom and Feishu answer HTTP 200 and put the real outcome in the JSON body.

    Codes meaning the robot is misconfigured (unknown token, bad signature, address not on the
    robot's allow list, missing keyword) are permanent: retrying cannot help and the channel is
    disabled until someone fixes it. Other codes (rate limits, "system busy") are retried.
    """

    code_field = "errcode"
    message_field = "errmsg"
    permanent_codes: frozenset[int] = frozenset()

    def check_answer(self, response: http.HttpResponse, result: DeliveryResult) -> DeliveryResult:
        try:
            answer = json.loads(response.body or b"{}")
        except ValueError:
            return result  # not JSON: a 2xx from something in between; nothing more to read
        code = answer.get(self.code_field) if isinstance(answer, dict) else None
        if code in (None, 0):
            return result
        reason = answer.get(self.message_field, "")
        error = _("%(kind)s error %(code)s: %(reason)s") % {
            "kind": self.label,
            "code": code,
            "reason": reason,
        }
        return DeliveryResult.failure(
            error,
            permanent=code in self.permanent_codes,
            status_code=result.status_code,
            response=result.response,
            duration_ms=result.duration_ms,
        )
