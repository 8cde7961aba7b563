"""Security checks of a PostgreSQL server, read with the ERP's own (read-only) connection."""

from __future__ import annotations

import datetime as dt

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.bounded_db import ConnectionFailed
from erpkeeper.lib.i18n import gettext
from erpkeeper.security.checks.base import Check, CheckUnavailable

# End of community support per major version (postgresql.org/support/versioning).
END_OF_LIFE = {
    11: dt.date(2023, 11, 9),
    12: dt.date(2024, 11, 21),
    13: dt.date(2025, 11, 13),
    14: dt.date(2026, 11, 12),
    15: dt.date(2027, 11, 11),
    16: dt.date(2028, 11, 9),
    17: dt.date(2029, 11, 8),
    18: dt.date(2030, 11, 14),
}
ALL_ADDRESSES = {"0.0.0.0", "::"}  # noqa: S104  (compared with what the server reads, never bound)
EVERYWHERE = {*ALL_ADDRESSES, "all"}


def _rows(ctx, sql: str) -> list[tuple]:
    try:
        return ctx.conn.rows(sql)
    except ConnectionFailed as exc:
        raise CheckUnavailable(str(exc)) from None


def _value(ctx, sql: str):
    found = _rows(ctx, sql)
    return found[0][0] if found else None


def _setting(ctx, name: str) -> str:
    value = _value(ctx, f"SELECT setting FROM pg_settings WHERE name = '{name}'")
    if value is None:
        raise CheckUnavailable(gettext("setting %(name)s is not readable") % {"name": name})
    return str(value)


def ssl_on(ctx):
    value = _setting(ctx, "ssl")
    return value == "on", f"ssl = {value}"


def password_encryption(ctx):
    value = _setting(ctx, "password_encryption")
    return value == "scram-sha-256", f"password_encryption = {value}"


def other_superusers(ctx):
    """Superusers besides the bootstrap superuser (oid 10, the installation's owner)."""
    names = [
        r[0]
        for r in _rows(ctx, "SELECT rolname FROM pg_roles WHERE rolsuper AND oid <> 10 ORDER BY 1")
    ]
    return not names, ", ".join(names)


def erp_role_not_superuser(ctx):
    role, is_super = _rows(
        ctx, "SELECT current_user, usesuper FROM pg_user WHERE usename = current_user"
    )[0]
    return not is_super, gettext("%(role)s: superuser") % {"role": role} if is_super else role


def hba_rules(ctx):
    """pg_hba.conf lines with ``trust`` or open to every address (readable by superusers and
    roles granted pg_read_all_settings... on recent versions only superusers)."""
    try:
        rows = ctx.conn.rows(
            "SELECT line_number, type, database, user_name, address, netmask, auth_method "
            "FROM pg_hba_file_rules WHERE error IS NULL"
        )
    except ConnectionFailed:
        raise CheckUnavailable(
            gettext("pg_hba_file_rules is not readable with this account")
        ) from None
    bad = []
    for line, kind, _db, _users, address, netmask, method in rows:
        anywhere = address in EVERYWHERE or (netmask in ALL_ADDRESSES and address)
        if method == "trust" or (kind != "local" and anywhere and method != "reject"):
            where = "/".join(part for part in (address, netmask) if part)
            line_text = gettext("line %(line)s:") % {"line": line}
            bad.append(" ".join(part for part in (line_text, kind, where, method) if part))
    return not bad, "; ".join(bad)


def public_schema_create(ctx):
    allowed = _value(ctx, "SELECT has_schema_privilege('public', 'public', 'CREATE')")
    return not allowed, gettext("PUBLIC may create in schema public") if allowed else ""


def listen_addresses(ctx):
    value = _setting(ctx, "listen_addresses")
    everywhere = {part.strip() for part in value.split(",")} & {"*", *ALL_ADDRESSES}
    return not everywhere, f"listen_addresses = {value}"


def log_connections(ctx):
    value = _setting(ctx, "log_connections")
    return value not in ("off", "", "false"), f"log_connections = {value}"


def supported_version(ctx):
    number = int(_setting(ctx, "server_version_num"))
    major = number // 10000
    end = END_OF_LIFE.get(major, dt.date.min if major < min(END_OF_LIFE) else dt.date.max)
    detail = gettext("PostgreSQL %(major)d, supported until %(end)s") % {
        "major": major,
        "end": end.isoformat() if end not in (dt.date.min, dt.date.max) else "?",
    }
    return end > ctx.today, detail


CIS = "CIS PostgreSQL Benchmark"
CHECKS = (
    Check(
        "PG-SSL",
        "high",
        _("PostgreSQL accepts TLS connections"),
        _("Without TLS the ERP's passwords and data cross the network in clear text."),
        _("Set ssl = on with a certificate and require hostssl in pg_hba.conf."),
        format_lazy("{}: {}", CIS, _("TLS")),
        ssl_on,
    ),
    Check(
        "PG-PASSWORD-ENCRYPTION",
        "medium",
        _("Passwords are stored as SCRAM-SHA-256"),
        _("MD5 password hashes can be replayed and are weak against cracking."),
        _("Set password_encryption = scram-sha-256 and set each role's password again."),
        format_lazy("{}: {}", CIS, _("authentication")),
        password_encryption,
    ),
    Check(
        "PG-SUPERUSERS",
        "high",
        _("No superuser besides the installation's owner"),
        _("Every superuser can read and change every database and run programs on the host."),
        _("Remove SUPERUSER from the roles listed (ALTER ROLE ... NOSUPERUSER)."),
        format_lazy("{}: {}", CIS, _("roles and privileges")),
        other_superusers,
    ),
    Check(
        "PG-ERP-SUPERUSER",
        "high",
        _("The ERP does not connect as a superuser"),
        _("An ERP (or anyone who takes it over) connected as superuser owns the whole server."),
        _("Give the ERP a role that owns only its database."),
        format_lazy("{}: {}", CIS, _("roles and privileges")),
        erp_role_not_superuser,
    ),
    Check(
        "PG-HBA",
        "critical",
        _("pg_hba.conf has no trust rule and no rule open to every address"),
        _("trust lets anyone who reaches the server sign in as any role without a password."),
        _("Replace trust with scram-sha-256 and narrow the addresses to the ERP's hosts."),
        format_lazy("{}: {}", CIS, _("pg_hba.conf")),
        hba_rules,
    ),
    Check(
        "PG-PUBLIC-CREATE",
        "medium",
        _("PUBLIC may not create objects in schema public"),
        _("Any role could plant functions or tables that the ERP's queries then use."),
        _("REVOKE CREATE ON SCHEMA public FROM PUBLIC."),
        format_lazy("{}: {}", CIS, _("roles and privileges")),
        public_schema_create,
    ),
    Check(
        "PG-LISTEN",
        "medium",
        _("PostgreSQL does not listen on every address"),
        _("A server listening everywhere is reachable from networks that have no need of it."),
        _("Set listen_addresses to the addresses the ERP servers use."),
        format_lazy("{}: {}", CIS, _("network")),
        listen_addresses,
    ),
    Check(
        "PG-LOG-CONNECTIONS",
        "low",
        _("Connections are logged"),
        _("Without it a sign-in cannot be traced in an investigation."),
        _("Set log_connections = on (and log_disconnections)."),
        format_lazy("{}: {}", CIS, _("logging")),
        log_connections,
    ),
    Check(
        "PG-VERSION",
        "high",
        _("The PostgreSQL version is still supported"),
        _("An unsupported version gets no more security fixes."),
        _("Upgrade to a supported major version."),
        format_lazy("{}: {}", CIS, _("installation and patches")),
        supported_version,
    ),
)
