"""POSTing JSON to a webhook without letting the URL reach into the internal network.

The host is resolved here and every address it resolves to is checked before connecting;
the connection then goes to the address that was checked (a second DNS answer cannot swap in
127.0.0.1: DNS rebinding), with TLS still verified against the host name. Redirects are never
followed. Built on ``http.client`` for that control: the project has no HTTP client dependency,
and a general one would resolve the name again on its own.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from erpkeeper.notifications import conf
from erpkeeper.notifications.channels.base import DeliveryResult

MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "ERPKeeper-Notifications/1"


class UrlRefused(Exception):
    """The URL is malformed or points at an address webhooks may not reach (private …)."""


@dataclass
class HttpResponse:
    status: int
    body: bytes
    headers: dict[str, str]

    def text(self, limit: int = 200) -> str:
        return self.body[:limit].decode("utf-8", errors="replace")


def validate_url(url: str) -> None:
    """Refuse, when a channel is saved, a URL that is malformed or points inside the network.

    A host that does not resolve yet is accepted: the send-time check applies to it anyway.
    """
    try:
        host, port = _host_and_port(url)
        check_addresses(host, resolve(host, port))
    except socket.gaierror:
        return
    except UnicodeError:
        raise ValidationError({"url": _("The host name is not valid.")}) from None
    except UrlRefused as exc:
        raise ValidationError({"url": str(exc)}) from None


def post_json(url: str, body: bytes, headers: dict[str, str]) -> HttpResponse:
    """POST ``body`` to ``url``; raises ``UrlRefused``, ``OSError`` (incl. timeouts) or
    ``http.client.HTTPException``. The caller turns those into a ``DeliveryResult``."""
    parts = urlsplit(url)
    host, port = _host_and_port(url)
    addresses = resolve(host, port)
    check_addresses(host, addresses)
    sock = _connect(addresses, port)
    try:
        if parts.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        return _exchange(sock, host, port, parts, body, headers)
    finally:
        sock.close()


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_addresses(host: str, addresses: list[str]) -> None:
    if conf.allow_private_addresses():
        return
    for address in addresses:
        if not is_public(address):
            raise UrlRefused(
                _(
                    "%(host)s resolves to %(address)s, a private or reserved address: "
                    "webhooks may not reach it unless ERPKEEPER_ALLOW_PRIVATE_WEBHOOKS=true"
                )
                % {"host": host, "address": address}
            )


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def result_from_exception(exc: Exception, started: float) -> DeliveryResult:
    """A failed send as a result: refused addresses and certificate errors need a person."""
    elapsed = elapsed_ms(started)
    if isinstance(exc, UrlRefused):
        return DeliveryResult.failure(str(exc), permanent=True, duration_ms=elapsed)
    if isinstance(exc, ssl.SSLCertVerificationError):
        message = _("TLS certificate not accepted: %(reason)s") % {"reason": exc.verify_message}
        return DeliveryResult.failure(message, permanent=True, duration_ms=elapsed)
    if isinstance(exc, TimeoutError):
        return DeliveryResult.failure(_("timed out"), duration_ms=elapsed)
    if isinstance(exc, socket.gaierror):
        return DeliveryResult.failure(
            _("cannot resolve the host name: %(reason)s") % {"reason": exc.strerror},
            duration_ms=elapsed,
        )
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return DeliveryResult.failure(
        _("connection failed: %(reason)s") % {"reason": reason}, duration_ms=elapsed
    )


def result_from_status(response: HttpResponse, started: float) -> DeliveryResult:
    """2xx delivered; 429 and 5xx worth retrying; other answers need a person (permanent)."""
    status = response.status
    fields = {
        "status_code": status,
        "response": response.text(),
        "duration_ms": elapsed_ms(started),
    }
    if 200 <= status < 300:
        return DeliveryResult(ok=True, **fields)
    if status == 429 or status >= 500:
        return DeliveryResult.failure(
            _("HTTP %(status)s") % {"status": status},
            retry_after=_retry_after(response.headers),
            **fields,
        )
    if 300 <= status < 400:
        message = _("HTTP %(status)s: redirects are not followed; enter the final URL") % {
            "status": status
        }
        return DeliveryResult.failure(message, permanent=True, **fields)
    message = _("HTTP %(status)s: %(answer)s") % {"status": status, "answer": response.text()}
    return DeliveryResult.failure(message, permanent=True, **fields)


def elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UrlRefused(_("not an http(s) URL"))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UrlRefused(_("the URL has an invalid port")) from None
    return parts.hostname, port


def _connect(addresses: list[str], port: int) -> socket.socket:
    last_error: OSError | None = None
    for address in addresses:
        try:
            sock = socket.create_connection((address, port), timeout=conf.connect_timeout())
        except OSError as exc:
            last_error = exc
            continue
        sock.settimeout(conf.read_timeout())
        return sock
    raise last_error or OSError(_("no address to connect to"))


def _exchange(sock, host, port, parts, body: bytes, headers: dict[str, str]) -> HttpResponse:
    # The class only decides the Host header's default port: the socket is already open.
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(host, port)
    connection.sock = sock  # already connected to the checked address (see module docstring)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    all_headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        **headers,
    }
    connection.request("POST", path, body=body, headers=all_headers)
    response = connection.getresponse()
    data = response.read(MAX_RESPONSE_BYTES)
    return HttpResponse(response.status, data, {k.lower(): v for k, v in response.getheaders()})


def _retry_after(headers: dict[str, str]) -> float | None:
    try:
        return max(0.0, float(headers.get("retry-after", "")))
    except ValueError:
        return None
