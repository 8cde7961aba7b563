"""The disaster-recovery runbook of a target, generated from its configuration and history.

It is regenerated on every view, so it never drifts from what is configured: where the backups
are, which key opens them, the exact commands, and what the last drill measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from erpkeeper.backups.models import Backup, BackupStatus, Drill
from erpkeeper.backups.services.keys import key_path
from erpkeeper.backups.services.policies import policy_for
from erpkeeper.backups.services.restore import default_restore_url
from erpkeeper.lib.dburl import mask


@dataclass
class Runbook:
    target: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)  # (what to do, command or detail)

    def as_text(self) -> str:
        lines = [_("Disaster-recovery runbook: %(target)s") % {"target": self.target}, ""]
        lines += [f"  {name}: {value}" for name, value in self.facts]
        lines.append("")
        for number, (title, detail) in enumerate(self.steps, start=1):
            lines.append(f"{number}. {title}")
            lines += [f"     {line}" for line in detail.splitlines() if line]
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "target": self.target,
            "facts": [{"name": name, "value": value} for name, value in self.facts],
            "steps": [{"title": title, "detail": detail} for title, detail in self.steps],
        }


def build_runbook(target) -> Runbook:
    policy = policy_for(target)
    newest = (
        Backup.objects.filter(target=target, status=BackupStatus.SUCCEEDED)
        .order_by("-started")
        .first()
    )
    drill = Drill.objects.filter(target=target).order_by("-started").first()
    book = Runbook(target=target.name)
    book.facts = _facts(target, policy, newest, drill)
    book.steps = _steps(target, policy, newest)
    return book


def _facts(target, policy, newest, drill) -> list[tuple[str, str]]:
    facts = [
        (_("ERP"), f"{target.kind} {(target.facts or {}).get('erp_version', '')}".strip()),
        (_("Database"), target.database_url_masked),
        (_("File store"), target.file_store_path or _("none configured")),
        (
            _("Objectives"),
            _("RPO %(rpo)d min, RTO %(rto)d min")
            % {"rpo": target.rpo_minutes, "rto": target.rto_minutes},
        ),
        (_("Backups stored in"), f"{policy.destination.name}: {policy.destination.location()}"),
    ]
    if policy.offsite_destination:
        offsite = policy.offsite_destination
        facts.append((_("Off-site copy"), f"{offsite.name}: {offsite.location()}"))
    facts.append((_("Repository key file"), str(key_path())))
    if newest is not None:
        facts.append((_("Newest backup"), f"#{newest.pk} {newest.started:%Y-%m-%d %H:%M %Z}"))
        facts.append((_("Key fingerprint"), newest.key_fingerprint or _("not encrypted")))
    else:
        facts.append((_("Newest backup"), _("none yet: take one now")))
    if drill is not None:
        rto = f"{drill.rto_seconds:.0f} s" if drill.rto_seconds is not None else "–"
        facts.append((_("Last drill"), f"{drill.started:%Y-%m-%d} {drill.verdict}, RTO {rto}"))
    return facts


def _steps(target, policy, newest) -> list[tuple[str, str]]:
    backup_ref = str(newest.pk) if newest is not None else "<BACKUP-ID>"
    new_url = default_restore_url(newest) if newest is not None else "<NEW-DATABASE-URL>"
    steps = [
        (
            _("Declare the incident and stop the ERP's servers (trytond, cron, workers)"),
            _("so that nobody writes to a database that is about to be replaced."),
        ),
        (
            _("Make sure the repository key is at hand"),
            _(
                "The key file must match fingerprint %(fp)s. Without it no encrypted backup can be "
                "restored: take it from escrow if this host is lost."
            )
            % {"fp": newest.key_fingerprint if newest and newest.key_fingerprint else "—"},
        ),
        (
            _("Choose the backup and check it"),
            f"erpkeeper backup list {target.name}\nerpkeeper backup verify {backup_ref}",
        ),
        (
            _("Restore into a new database first"),
            f"erpkeeper restore {backup_ref} --to '{mask(new_url)}'",
        ),
        (
            _("Check the restored copy"),
            _("Row counts and the ERP's invariants, as a drill does:")
            + f"\nerpkeeper drill run {target.name}",
        ),
        (
            _("Switch the ERP to the restored database, or restore over the original"),
            f"erpkeeper restore {backup_ref} --to '{target.database_url_masked}' --replace\n"
            + _("(a safety backup of the current state is taken first)"),
        ),
    ]
    if target.file_store_path:
        steps.append(
            (
                _("Restore the file store"),
                f"erpkeeper restore {backup_ref} --to '{target.database_url_masked}' "
                f"--files-to '{target.file_store_path}' --replace",
            )
        )
    steps.append(
        (
            _("Start the ERP and confirm with its users"),
            _("Record the incident, the backup used and the data lost (since the backup)."),
        )
    )
    return steps
