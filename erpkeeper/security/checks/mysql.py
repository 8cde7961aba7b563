"""Security checks of a MariaDB or MySQL server. The accounts are read from ``mysql.user``;
an ERP account without the privilege to read it leaves those checks unknown."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.bounded_db import ConnectionFailed
from erpkeeper.lib.i18n import gettext
from erpkeeper.security.checks.base import Check, CheckUnavailable

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
# The servers' own system accounts: created locked, so they cannot sign in without a password.
LOCKED_SYSTEM = ("mariadb.sys", "mysql.sys", "mysql.session", "mysql.infoschema")


def _accounts(ctx, where: str, params: tuple = ()) -> str:
    try:
        rows = ctx.conn.rows(
            f"SELECT user, host FROM mysql.user WHERE {where} ORDER BY 1, 2", params
        )
    except ConnectionFailed:
        raise CheckUnavailable(gettext("mysql.user is not readable with this account")) from None
    return ", ".join(f"'{user}'@'{host}'" for user, host in rows)


def anonymous_users(ctx):
    found = _accounts(ctx, "user = ''")
    return not found, found


def root_from_anywhere(ctx):
    found = _accounts(ctx, "user = 'root' AND host NOT IN (%s, %s, %s)", LOCAL_HOSTS)
    return not found, found


def empty_passwords(ctx):
    # Accounts that authenticate by password with none set (unix_socket or gssapi accounts
    # have an empty string too, and need none).
    found = _accounts(
        ctx,
        "COALESCE(authentication_string, '') = '' "
        "AND COALESCE(plugin, '') IN ('', 'mysql_native_password', 'caching_sha2_password') "
        "AND user NOT IN (%s, %s, %s, %s)",
        LOCKED_SYSTEM,
    )
    return not found, found


def wildcard_hosts(ctx):
    found = _accounts(ctx, "host = %s", ("%",))
    return not found, found


def local_infile(ctx):
    try:
        value = ctx.conn.scalar("SELECT @@GLOBAL.local_infile")
    except ConnectionFailed as exc:
        raise CheckUnavailable(str(exc)) from None
    return not int(value or 0), f"local_infile = {value}"


CIS = "CIS MySQL / MariaDB Benchmark"
CHECKS = (
    Check(
        "MY-ANONYMOUS",
        "high",
        _("No anonymous accounts"),
        _("An anonymous account lets anyone sign in without a name."),
        _("DROP USER ''@'host' for each one listed."),
        format_lazy("{}: {}", CIS, _("user accounts")),
        anonymous_users,
    ),
    Check(
        "MY-ROOT-REMOTE",
        "high",
        _("root signs in only from the server itself"),
        _("root from other hosts exposes the strongest account to the network."),
        _("Drop the root accounts of other hosts; administer from the server."),
        format_lazy("{}: {}", CIS, _("user accounts")),
        root_from_anywhere,
    ),
    Check(
        "MY-EMPTY-PASSWORD",
        "critical",
        _("No account without a password"),
        _("An account without a password opens the server to anyone who reaches it."),
        _("Set a strong password (or socket authentication) on each account listed."),
        format_lazy("{}: {}", CIS, _("authentication")),
        empty_passwords,
    ),
    Check(
        "MY-WILDCARD-HOST",
        "medium",
        _("No account may sign in from any host ('%')"),
        _("'%' accepts the account from every network that can reach the server."),
        _("Replace '%' with the ERP servers' addresses."),
        format_lazy("{}: {}", CIS, _("network")),
        wildcard_hosts,
    ),
    Check(
        "MY-LOCAL-INFILE",
        "medium",
        _("LOAD DATA LOCAL is off"),
        _("local_infile lets a hostile server or SQL injection read the client's files."),
        _("Set local_infile = 0."),
        format_lazy("{}: {}", CIS, _("general configuration")),
        local_infile,
    ),
)
