"""Connection parameters for psycopg and for the PostgreSQL client programs, read from a URL.

A password never goes into argv, where ``ps`` shows it: client programs get it in PGPASSWORD,
everything else in a ``--dbname`` conninfo string; messages shown to users pass ``redact``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl

import psycopg
from psycopg.conninfo import make_conninfo

from erpkeeper.backups.engines.base import EngineError, ToolMissing
from erpkeeper.lib import dburl
from erpkeeper.lib.i18n import gettext as _


@dataclass(frozen=True)
class Params:
    host: str = ""
    port: int | None = None
    user: str = ""
    password: str = field(default="", repr=False)
    database: str = ""
    options: tuple[tuple[str, str], ...] = ()  # the URL's query: sslmode=require ...

    @classmethod
    def from_url(cls, url: str) -> Params:
        try:
            parsed = dburl.parse(url)
        except dburl.DatabaseUrlError as exc:
            raise EngineError(str(exc)) from None
        if parsed.engine != "postgresql":
            raise EngineError(_("%(url)s is not a PostgreSQL URL") % {"url": dburl.mask(url)})
        return cls(
            host=parsed.host,
            port=parsed.port,
            user=parsed.user,
            password=parsed.password,
            database=parsed.database,
            options=tuple(parse_qsl(parsed.query)),
        )

    def on_database(self, name: str) -> Params:
        return replace(self, database=name)

    def where(self) -> str:
        """The server, for messages: host:port."""
        host = self.host or dict(self.options).get("host") or "localhost"
        return f"{host}:{self.port}" if self.port else host

    def conninfo(self) -> str:
        """A libpq connection string without the password."""
        keywords = {"host": self.host, "port": self.port, "user": self.user}
        keywords.update(self.options)
        keywords["dbname"] = self.database
        try:
            return make_conninfo("", **{k: v for k, v in keywords.items() if v not in ("", None)})
        except psycopg.ProgrammingError as exc:
            raise EngineError(self.redact(one_line(str(exc)))) from None

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def redact(self, text: str) -> str:
        return text.replace(self.password, dburl.MASK) if self.password else text

    def connect(self) -> psycopg.Connection:
        """An autocommit connection; EngineError (one line, no password) when refused."""
        extra = {"password": self.password} if self.password else {}
        try:
            return psycopg.connect(self.conninfo(), autocommit=True, **extra)
        except psycopg.Error as exc:
            raise EngineError(
                _("cannot connect to PostgreSQL at %(where)s: %(reason)s")
                % {"where": self.where(), "reason": self.redact(connect_reason(exc))}
            ) from None

    def connect_maintenance(self) -> psycopg.Connection:
        """A connection to the server's maintenance database, for CREATE/DROP DATABASE."""
        try:
            return self.on_database("postgres").connect()
        except EngineError as first:
            # template1 exists on every server; postgres only on nearly all.
            try:
                return self.on_database("template1").connect()
            except EngineError:
                raise first from None


def one_line(text: str) -> str:
    return " ".join(text.split())


def connect_reason(exc: Exception) -> str:
    # libpq: 'connection to server at "h", port 5432 failed: FATAL:  role "x" does not exist'
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return one_line(first.rsplit(" failed: ", 1)[-1])


ERROR_LINE = re.compile(r"\b(?:error|fatal|panic):", re.IGNORECASE)


def error_line(stderr: str) -> str:
    """The line of a client program's stderr that says what went wrong."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if ERROR_LINE.search(line)]
    return one_line((errors or lines or [""])[-1])


def find_tool(program: str, binaries_dir: str | None = None) -> str:
    path = shutil.which(program, path=binaries_dir)
    if path is None:
        raise ToolMissing(
            _(
                "%(program)s not found: install the PostgreSQL client "
                "(Debian/Ubuntu: apt install postgresql-client; RHEL: dnf install postgresql)"
            )
            % {"program": program}
        )
    return path


VERSION = re.compile(r"\b\d+(?:\.\d+)*")


def tool_version(path: str) -> str:
    """'15.20' from 'pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)'."""
    output = subprocess.run(
        [path, "--version"], capture_output=True, text=True, check=False, timeout=30
    ).stdout
    match = VERSION.search(output.partition(")")[2] or output)
    if match is None:
        raise EngineError(_("cannot tell the version of %(path)s") % {"path": path})
    return match.group(0)


def major(version: str) -> int:
    return int(version.split(".")[0])
