"""Strict parsing of ERPKeeper's environment variables.

Settings are read at import time, where raising would give the user a traceback. So a bad
value falls back to its default and is remembered in ``CONFIG_ERRORS``; the system check
``erpkeeper.E001`` then reports it with the variable's name and the reason.
"""

from __future__ import annotations

import os
import secrets
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url


@dataclass(frozen=True)
class ConfigError:
    check_id: str
    variable: str
    message: str


CONFIG_ERRORS: list[ConfigError] = []

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    """Value of NAME, or the contents of the file named by NAME_FILE (for container secrets)."""
    file_name = os.environ.get(name + "_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            CONFIG_ERRORS.append(
                ConfigError("erpkeeper.E001", name + "_FILE", f"cannot read {file_name}: {exc}")
            )
            return None
    return os.environ.get(name)


def envstr(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def envbool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    CONFIG_ERRORS.append(
        ConfigError("erpkeeper.E001", name, f"expected true or false, got {value!r}")
    )
    return default


def envint(name: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
    return _number(name, default, int, "an integer", minimum, maximum)


def envfloat(
    name: str, default: float, minimum: float | None = None, maximum: float | None = None
) -> float:
    return _number(name, default, float, "a number", minimum, maximum)


def _number(name, default, kind, kind_text, minimum, maximum):
    value = _raw(name)
    if value is None or not value.strip():
        return default
    try:
        number = kind(value)
    except ValueError:
        CONFIG_ERRORS.append(
            ConfigError("erpkeeper.E001", name, f"expected {kind_text}, got {value!r}")
        )
        return default
    if minimum is not None and number < minimum:
        CONFIG_ERRORS.append(ConfigError("erpkeeper.E001", name, f"must be at least {minimum}"))
        return default
    if maximum is not None and number > maximum:
        CONFIG_ERRORS.append(ConfigError("erpkeeper.E001", name, f"must be at most {maximum}"))
        return default
    return number


def envchoice(name: str, default: str, choices: list[str]) -> str:
    value = _raw(name)
    if value is None or not value.strip():
        return default
    wanted = value.strip().lower()
    if wanted not in choices:
        CONFIG_ERRORS.append(
            ConfigError("erpkeeper.E001", name, f"expected one of {', '.join(choices)}")
        )
        return default
    return wanted


def envlist(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envlist_of(name: str, default: list, parse: Callable[[str], Any], expected: str) -> list:
    """A comma-separated list whose every item ``parse`` accepts (it raises ValueError for one
    it does not); an empty value is an empty list. Any unknown item refuses the whole list."""
    value = _raw(name)
    if value is None:
        return default
    parsed, unknown = [], []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            parsed.append(parse(item))
        except ValueError:
            unknown.append(item)
    if unknown:
        names = ", ".join(map(repr, unknown))
        CONFIG_ERRORS.append(
            ConfigError("erpkeeper.E001", name, f"unknown {names}: expected {expected}")
        )
        return default
    return list(dict.fromkeys(parsed))


def envtimezone(name: str, default: str) -> str:
    value = _raw(name)
    if value is None:
        return default
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        CONFIG_ERRORS.append(
            ConfigError(
                "erpkeeper.E002", name, f"unknown time zone {value!r} (use e.g. Asia/Shanghai)"
            )
        )
        return default
    return value


def home_directory(name: str, default: Path) -> Path:
    value = _raw(name)
    home = Path(value).expanduser() if value else default
    home = home.resolve()
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        CONFIG_ERRORS.append(ConfigError("erpkeeper.E003", name, f"cannot create {home}: {exc}"))
    return home


def secret_key(name: str, home: Path) -> str:
    """The configured key, else one generated once into HOME/secret_key with mode 0600."""
    value = _raw(name)
    if value:
        if len(value) < 32:
            CONFIG_ERRORS.append(
                ConfigError("erpkeeper.E004", name, "must be at least 32 characters")
            )
        return value
    key_file = home / "secret_key"
    try:
        if key_file.exists():
            return key_file.read_text(encoding="utf-8").strip()
        key = secrets.token_urlsafe(50)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key)
        return key
    except FileExistsError:
        return key_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        CONFIG_ERRORS.append(
            ConfigError("erpkeeper.E004", name, f"cannot store a key in {home}: {exc}")
        )
        return secrets.token_urlsafe(50)


def database_config(name: str, default_url: str) -> dict:
    url = _raw(name) or default_url
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except (ValueError, KeyError, TypeError) as exc:
        CONFIG_ERRORS.append(ConfigError("erpkeeper.E005", name, f"not a database URL: {exc}"))
        config = dj_database_url.parse(default_url)
    engine = config.get("ENGINE", "")
    if engine.endswith("sqlite3"):
        config["CONN_MAX_AGE"] = 0
        # WAL and IMMEDIATE transactions let the console, the worker and the scheduler share one
        # file without "database is locked" errors.
        config["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif not (engine.endswith("postgresql") or engine.endswith("mysql")):
        CONFIG_ERRORS.append(
            ConfigError(
                "erpkeeper.E005", name, f"unsupported engine {engine!r}: use sqlite or postgresql"
            )
        )
        config = dj_database_url.parse(default_url)
    return config
