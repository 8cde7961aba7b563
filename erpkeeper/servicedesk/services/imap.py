"""Talking to an IMAP server with the standard library's ``imaplib``: connect with the mailbox's
security (TLS, STARTTLS or none), log in, open the folder; list unread messages, fetch them
without marking them read (``BODY.PEEK``) and mark them read when told.

Every failure becomes one ``MailboxError`` line that says what went wrong (the host that does
not answer, the login that was refused, the folder that does not exist), never a traceback and
never the password. Each network operation waits at most ``TIMEOUT`` seconds.
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.utils.translation import gettext as _

TIMEOUT = 30  # seconds, for the connection and for every answer
UID_IN = re.compile(rb"\bUID (\d+)")
SIZE_IN = re.compile(rb"\bRFC822\.SIZE (\d+)")


class MailboxError(Exception):
    """The mailbox cannot be read now; the text is one line for its last error and the job."""


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str  # "tls", "starttls" or "none" (MailboxSecurity)
    username: str
    password: str
    folder: str = "INBOX"
    timeout: float = TIMEOUT

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@contextmanager
def open_folder(server: Server, *, readonly: bool = False) -> Iterator[imaplib.IMAP4]:
    """A logged-in client with ``server.folder`` selected; logged out afterwards."""
    client = _connect(server)
    try:
        _guarded(server, _login, client, server)
        _guarded(server, _select, client, server, readonly)
        yield client
    finally:
        with suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def unread(client: imaplib.IMAP4, server: Server) -> list[bytes]:
    """The UIDs of the folder's unread messages, oldest first."""
    data = _command(server, client, "SEARCH", None, "UNSEEN")
    return [uid for line in data if line for uid in line.split()]


def sizes(client: imaplib.IMAP4, server: Server, uids: list[bytes]) -> dict[bytes, int]:
    found = {}
    for line in _command(server, client, "FETCH", b",".join(uids), "(RFC822.SIZE)"):
        text = line[0] if isinstance(line, tuple) else line
        uid, size = UID_IN.search(text or b""), SIZE_IN.search(text or b"")
        if uid and size:
            found[uid.group(1)] = int(size.group(1))
    return found


def fetch(client: imaplib.IMAP4, server: Server, uids: list[bytes]) -> list[tuple[bytes, bytes]]:
    """``(uid, raw message)`` of each UID, leaving them unread."""
    if not uids:
        return []
    data = _command(server, client, "FETCH", b",".join(uids), "(UID BODY.PEEK[])")
    messages, pending = [], None
    for item in data:
        if isinstance(item, tuple):
            uid = UID_IN.search(item[0])
            pending = (uid.group(1) if uid else None, item[1])
            if uid:
                messages.append(pending)
                pending = None
        elif pending is not None and item:  # some servers send the UID after the literal
            uid = UID_IN.search(item)
            if uid:
                messages.append((uid.group(1), pending[1]))
            pending = None
    return messages


def mark_read(client: imaplib.IMAP4, server: Server, uids: list[bytes]) -> None:
    if uids:
        _command(server, client, "STORE", b",".join(uids), "+FLAGS.SILENT", r"(\Seen)")


# -- connecting ------------------------------------------------------------------------------------


def _connect(server: Server) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    try:
        if server.security == "tls":
            return imaplib.IMAP4_SSL(
                server.host, server.port, ssl_context=context, timeout=server.timeout
            )
        client = imaplib.IMAP4(server.host, server.port, timeout=server.timeout)
    except Exception as exc:
        raise MailboxError(_connection_text(server, exc)) from None
    if server.security == "starttls":
        try:
            client.starttls(ssl_context=context)
        except Exception as exc:
            client.shutdown()
            raise MailboxError(_connection_text(server, exc)) from None
    return client


def _login(client: imaplib.IMAP4, server: Server) -> None:
    try:
        client.login(server.username, server.password)
    except imaplib.IMAP4.error as exc:
        raise MailboxError(
            _("%(server)s refused the login of %(user)s: %(reason)s")
            % {"server": server.address, "user": server.username, "reason": _reason(exc)}
        ) from None


def _select(client: imaplib.IMAP4, server: Server, readonly: bool) -> None:
    status, data = client.select(_quoted(server.folder), readonly=readonly)
    if status != "OK":
        raise MailboxError(
            _("The folder %(folder)s cannot be opened on %(server)s: %(reason)s")
            % {"folder": server.folder, "server": server.address, "reason": _text(data)}
        )


def _command(server: Server, client: imaplib.IMAP4, name: str, *args) -> list:
    def run():
        status, data = client.uid(name, *args)
        if status != "OK":
            raise MailboxError(
                _("%(server)s refused %(command)s: %(reason)s")
                % {"server": server.address, "command": name, "reason": _text(data)}
            )
        return data

    return _guarded(server, run)


def _guarded(server: Server, function, *args):
    """Run ``function``; a dropped connection, a timeout or a protocol error becomes a
    ``MailboxError`` that names the server."""
    try:
        return function(*args)
    except MailboxError:
        raise
    except Exception as exc:
        raise MailboxError(_connection_text(server, exc)) from None


def _connection_text(server: Server, exc: BaseException) -> str:
    values = {"server": server.address, "reason": _reason(exc), "seconds": int(server.timeout)}
    if isinstance(exc, socket.gaierror):
        return _("The IMAP server %(server)s is unknown: %(reason)s") % values
    if isinstance(exc, TimeoutError | socket.timeout):
        return _("The IMAP server %(server)s did not answer within %(seconds)d s.") % values
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return _("The secure connection to %(server)s failed: %(reason)s") % values
    if isinstance(exc, ConnectionRefusedError):
        return _("The IMAP server %(server)s refused the connection.") % values
    if isinstance(exc, imaplib.IMAP4.abort | EOFError | ConnectionError):
        return _("The connection to %(server)s was lost: %(reason)s") % values
    return _("The IMAP server %(server)s cannot be reached: %(reason)s") % values


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = exc.args[0] if exc.args else exc
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(str(text).split())[:300] or type(exc).__name__


def _text(data) -> str:
    parts = [
        item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        for item in (data or [])
        if item
    ]
    return " ".join(" ".join(parts).split())[:300]


def _quoted(folder: str) -> str:
    escaped = folder.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
