"""Database URLs of ERP targets: parsing, validation and masking of passwords."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

MASK = "********"

ENGINE_SCHEMES = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
}


class DatabaseUrlError(ValueError):
    """A target URL that cannot be used; the message is shown to the user as is."""


@dataclass(frozen=True)
class DatabaseUrl:
    engine: str  # sqlite | postgresql | mysql
    path: str = ""  # SQLite file
    host: str = ""
    port: int | None = None
    user: str = ""
    password: str = ""
    database: str = ""
    query: str = ""

    def masked(self) -> str:
        return mask(self.unparse())

    def unparse(self) -> str:
        if self.engine == "sqlite":
            return "sqlite://" + self.path
        auth = ""
        if self.user:
            auth = quote(self.user, safe="")
            if self.password:
                auth += ":" + quote(self.password, safe="")
            auth += "@"
        netloc = auth + (self.host or "")
        if self.port:
            netloc += f":{self.port}"
        return urlunsplit((self.engine, netloc, "/" + self.database, self.query, ""))


def parse(url: str) -> DatabaseUrl:
    """Parse a target URL: ``sqlite:////abs/path.sqlite``, a bare path, or ``postgresql://...``."""
    url = (url or "").strip()
    if not url:
        raise DatabaseUrlError("the database URL is empty")
    if "://" not in url:
        if url.endswith((".sqlite", ".sqlite3", ".db")) or url.startswith(("/", "./")):
            return DatabaseUrl(engine="sqlite", path=str(Path(url).expanduser().resolve()))
        raise DatabaseUrlError(
            f"{mask(url)!s} is not a database URL: use a SQLite file path or postgresql://user@host/db"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DatabaseUrlError(f"{mask(url)} is not a valid URL: {exc}") from exc
    engine = ENGINE_SCHEMES.get(parts.scheme.split("+")[0].lower())
    if engine is None:
        raise DatabaseUrlError(
            f"unsupported database scheme {parts.scheme!r}: use sqlite://, postgresql:// or mysql://"
        )
    if engine == "sqlite":
        path = unquote(parts.netloc + parts.path)
        if path.startswith("/"):
            path = "/" + path.lstrip("/")
        if not path or path == "/":
            raise DatabaseUrlError(
                "the SQLite URL names no file: use sqlite:////absolute/path.sqlite"
            )
        return DatabaseUrl(engine="sqlite", path=str(Path(path).expanduser().resolve()))
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise DatabaseUrlError(f"{mask(url)} names no database: add /<database name> at the end")
    return DatabaseUrl(
        engine=engine,
        host=parts.hostname or "",
        port=port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        database=database,
        query=parts.query,
    )


def mask(url: str) -> str:
    """The URL with any password replaced, safe to show and to log."""
    if "://" not in (url or ""):
        return url or ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    if parts.password is None:
        return url
    userinfo, _, hostinfo = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit((parts.scheme, f"{user}:{MASK}@{hostinfo}", parts.path, parts.query, ""))
