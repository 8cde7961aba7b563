"""Security checks of the ERP itself, read from its database (Tryton)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.bounded_db import ConnectionFailed
from erpkeeper.lib.i18n import gettext
from erpkeeper.security.checks.base import Check, CheckUnavailable


def admin_password_changed(ctx):
    """Tryton's ``admin`` account, active and never written since it was created: its
    password (set at installation) has never been changed. Tryton keeps no date of the
    password alone, so a later write of any field passes this check."""
    try:
        rows = ctx.conn.rows(
            "SELECT active, create_date, write_date, password_hash FROM res_user "
            "WHERE login = 'admin'"
        )
    except ConnectionFailed:
        raise CheckUnavailable(gettext("no Tryton user table here")) from None
    if not rows:
        return True, gettext("no admin account")
    active, created, written, password_hash = rows[0]
    if not active or not password_hash:
        return True, gettext("admin is inactive or has no password")
    unchanged = written is None or str(written)[:19] == str(created)[:19]
    if unchanged:
        return False, gettext("admin active, unchanged since %(created)s") % {
            "created": str(created)[:19]
        }
    return True, gettext("admin last changed %(written)s") % {"written": str(written)[:19]}


CHECKS = (
    Check(
        "TRYTON-ADMIN",
        "high",
        _("Tryton's admin account is not left as installed"),
        _(
            "The admin account holds every right; its installation password is often known "
            "to the people who set the ERP up."
        ),
        _("Change admin's password, or deactivate it and use named administrators."),
        "",
        admin_password_changed,
    ),
)
