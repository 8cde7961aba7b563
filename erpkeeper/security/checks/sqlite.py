"""Security checks of an SQLite ERP database: the file and its folder must not be open to
other users of the host (anyone who reads the file reads the whole ERP)."""

from __future__ import annotations

import os
import stat

from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.i18n import gettext
from erpkeeper.security.checks.base import Check, CheckUnavailable


def _mode(path: str) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError as exc:
        raise CheckUnavailable(
            gettext("cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
        ) from None


def file_mode(ctx):
    mode = _mode(ctx.path)
    return not mode & 0o007, f"{ctx.path}: {mode:04o}"


def folder_mode(ctx):
    folder = os.path.dirname(os.path.abspath(ctx.path))
    mode = _mode(folder)
    # Others reading the folder see the file; writing it, they can replace the database.
    return not mode & 0o006, f"{folder}: {mode:04o}"


CHECKS = (
    Check(
        "SQLITE-FILE-MODE",
        "high",
        _("The database file is not open to other users"),
        _("Any account on the host that can read the file reads every record of the ERP."),
        _("chmod 600 the file (and its -wal and -journal files), owned by the ERP's user."),
        "",
        file_mode,
    ),
    Check(
        "SQLITE-FOLDER-MODE",
        "medium",
        _("The database's folder is not open to other users"),
        _("Others who can list or write the folder can copy or replace the database."),
        _("chmod 700 the folder that holds the database."),
        "",
        folder_mode,
    ),
)
