"""Sending one batch to the ERPKeeper server, and what its answer means for the agent."""

from __future__ import annotations

import enum
import json
import ssl
import urllib.error
import urllib.request

INGEST_PATH = "/api/v1/metrics/ingest/"
TIMEOUT_S = 10.0
# 408/429: the server asks to come back later. 401/403: the token is wrong or was replaced;
# that is no fault of the batches, which wait for the token to be fixed (logged as errors).
RETRY_STATUSES = {401, 403, 408, 429}


class Outcome(enum.Enum):
    DELIVERED = "delivered"  # 2xx, including a replay answered with accepted 0
    RETRY = "retry"  # unreachable, 5xx, 401, 403, 408, 429: keep the batch, try again later
    REJECTED = "rejected"  # another 4xx: this batch will never be taken


class Pusher:
    def __init__(self, server: str, token: str, ca_file: str | None = None):
        if not server.startswith(("http://", "https://")):
            raise ValueError(f"--server must be an http:// or https:// URL, not {server!r}")
        self.server = server.rstrip("/")
        self.url = self.server + INGEST_PATH
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        # Certificates are always verified; --ca-file adds a private CA (self-signed servers).
        context = ssl.create_default_context(cafile=ca_file) if ca_file else None
        handlers = [urllib.request.HTTPSHandler(context=context)] if context else []
        self.opener = urllib.request.build_opener(*handlers)
        self.unknown_targets: list[str] = []
        self.answer: dict = {}  # the JSON of the last 2xx answer

    def send(self, batch: dict) -> tuple[Outcome, str]:
        """Post ``batch``; the outcome and a one-line description of the answer.
        ``unknown_targets`` then lists the targets a 422 named as unknown to the server."""
        self.unknown_targets = []
        self.answer = {}
        request = urllib.request.Request(  # noqa: S310  (http(s) only, checked in __init__)
            self.url, data=json.dumps(batch).encode(), headers=self.headers, method="POST"
        )
        try:
            with self.opener.open(request, timeout=TIMEOUT_S) as response:
                answer = response.read(65536)
                self.answer = json_object(answer)
                return (
                    Outcome.DELIVERED,
                    f"{response.status} {answer[:200].decode(errors='replace')}",
                )
        except urllib.error.HTTPError as exc:
            body = exc.read(65536)
            self.unknown_targets = unknown_targets(exc.code, body)
            detail = f"{exc.code} {body[:500].decode(errors='replace')}"
            if exc.code >= 500 or exc.code in RETRY_STATUSES:
                return Outcome.RETRY, detail
            return Outcome.REJECTED, " ".join(detail.split())
        except (OSError, urllib.error.URLError) as exc:  # refused, timeout, DNS, TLS
            return Outcome.RETRY, str(getattr(exc, "reason", exc))

    def post(self, path: str, payload: dict) -> tuple[int | None, dict | str]:
        """Post ``payload`` to another endpoint of the server with the same token: (HTTP
        status, its JSON answer) or (None, why it could not be sent)."""
        request = urllib.request.Request(  # noqa: S310  (http(s) only, checked in __init__)
            self.server + path, data=json.dumps(payload).encode(), headers=self.headers,
            method="POST",
        )  # fmt: skip
        try:
            with self.opener.open(request, timeout=TIMEOUT_S * 3) as response:
                return response.status, json_object(response.read(65536))
        except urllib.error.HTTPError as exc:
            return exc.code, json_object(exc.read(65536)) or exc.reason
        except (OSError, urllib.error.URLError) as exc:
            return None, str(getattr(exc, "reason", exc))


def json_object(body: bytes) -> dict:
    try:
        found = json.loads(body)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def unknown_targets(status: int, body: bytes) -> list[str]:
    if status != 422:
        return []
    try:
        names = json.loads(body).get("unknown_targets") or []
    except (ValueError, AttributeError):
        return []
    return [name for name in names if isinstance(name, str)]
