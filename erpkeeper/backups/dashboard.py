"""Backups' part of the dashboard: each target card's last backup, and why its backups are not
in order (a failed backup, verification or drill; a backup older than the RPO)."""

from __future__ import annotations

from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from erpkeeper.backups.admin.health import backup_health
from erpkeeper.lib.dashboard import Board


def contribute(board: Board) -> None:
    if not board.user.has_perm("backups.view_backup"):
        return
    for target in board.targets:
        health = backup_health(target)
        board.add_row(target.pk, _("Last backup"), _last_backup_text(health.newest))
        for problem in health.problems:
            board.add_reason(target.pk, problem.state, problem.text)


def _last_backup_text(backup) -> str:
    if backup is None:
        return _("None yet")
    ago = _("%(ago)s ago") % {"ago": timesince(backup.started)}
    return f"{ago} · {backup.get_status_display()}"
