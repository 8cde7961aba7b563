"""Security checks of a target's trytond.conf, run only when its path is configured
(models.TrytonConfigFile). Tryton 8.2's defaults when a value is absent: no minimum password
length and no list of forbidden passwords (res/user.py ``validate_password``), sessions idle
for 300 s expire and last at most 30 days (config.py)."""

from __future__ import annotations

import configparser
import os
import stat

from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.i18n import gettext
from erpkeeper.security.checks.base import Check, CheckUnavailable

MIN_PASSWORD_LENGTH = 8
MAX_IDLE_SECONDS = 30 * 60
DEFAULTS = {("password", "length"): "0", ("session", "timeout"): "300"}


def read_config(path: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        raise CheckUnavailable(
            gettext("cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc}
        ) from None
    return parser


def _value(ctx, section: str, option: str) -> str:
    config = read_config(ctx.config_path)
    return config.get(section, option, fallback=DEFAULTS.get((section, option), ""))


def _number(ctx, section: str, option: str) -> int:
    text = _value(ctx, section, option)
    try:
        return int(text)
    except ValueError:
        raise CheckUnavailable(
            gettext("[%(section)s] %(option)s is not a number: %(value)s")
            % {"section": section, "option": option, "value": text}
        ) from None


def password_length(ctx):
    length = _number(ctx, "password", "length")
    return length >= MIN_PASSWORD_LENGTH, f"[password] length = {length}"


def forbidden_passwords(ctx):
    path = _value(ctx, "password", "forbidden")
    return bool(path), f"[password] forbidden = {path or '–'}"


def session_timeout(ctx):
    seconds = _number(ctx, "session", "timeout")
    return 0 < seconds <= MAX_IDLE_SECONDS, f"[session] timeout = {seconds}"


def config_mode(ctx):
    try:
        mode = stat.S_IMODE(os.stat(ctx.config_path).st_mode)
    except OSError as exc:
        raise CheckUnavailable(str(exc.strerror)) from None
    return not mode & 0o007, f"{ctx.config_path}: {mode:04o}"


CHECKS = (
    Check(
        "TRYTON-PASSWORD-LENGTH",
        "medium",
        _("Tryton requires passwords of at least 8 characters"),
        _("Without [password] length Tryton accepts a password of any length, even one letter."),
        _("Set length = 8 (or more) in the [password] section of trytond.conf."),
        "",
        password_length,
    ),
    Check(
        "TRYTON-PASSWORD-FORBIDDEN",
        "low",
        _("Tryton refuses common passwords"),
        _("A list of forbidden passwords stops the ones attackers try first."),
        _("Set forbidden in [password] to a file of common passwords, one per line."),
        "",
        forbidden_passwords,
    ),
    Check(
        "TRYTON-SESSION-TIMEOUT",
        "low",
        _("Idle Tryton sessions expire within 30 minutes"),
        _("A session left open on a shared computer lets the next person act as its user."),
        _("Set timeout in [session] to 1800 seconds or less."),
        "",
        session_timeout,
    ),
    Check(
        "TRYTON-CONFIG-MODE",
        "medium",
        _("trytond.conf is not readable by other users"),
        _("The file holds the database URI with its password."),
        _("chmod 640 trytond.conf, owned by root and the ERP's group."),
        "",
        config_mode,
    ),
)
