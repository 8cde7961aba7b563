"""Evaluating every control of every shipped framework across 50 targets, and assessing them.

    .venv/bin/python benchmarks/compliance_evaluation.py [--targets 50] [--rounds 5]

Fills a fresh SQLite platform database: the shipped libraries and builtin controls, 50 targets
each with a month of daily encrypted backups (most copied off-site), a drill, an access
snapshot, open and fixed dormant-account findings, a security check run, 20 alerts, one closed
access review over all targets, and the audit trail all of this leaves (every row saved
through the ORM, so the chain has thousands of entries). Then, interleaved round by round:

- batched: ``assess_frameworks()`` (each collector called once for all 50 targets), and
- per target: the naive evaluation, ``evaluate(targets=[t])`` once per target (each collector
  called 50 times), then the same assessments;

each inside a transaction rolled back afterwards, so every round sees the same data. Prints
the median and the slowest round of each; the target is under 2 s for the batched one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="ek-bench-compliance-"))
    os.environ["ERPKEEPER_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "erpkeeper.settings"
    os.environ["ERPKEEPER_DATABASE_URL"] = f"sqlite:///{home / 'erpkeeper.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    fill(args.targets)
    compare(args.rounds)


def fill(count: int) -> None:
    from django.utils import timezone

    from erpkeeper.accounts import services as accounts
    from erpkeeper.alerts.models import Alert, AlertRule, AlertState, Severity
    from erpkeeper.backups.models import Backup, BackupCopy, BackupStatus, CopyStatus, Drill
    from erpkeeper.core.audit import audit_context
    from erpkeeper.core.models import AuditEntry
    from erpkeeper.governance.compliance import services
    from erpkeeper.lib.roles import Role
    from erpkeeper.security.models import AccessSnapshot, Finding, SecurityCheckRun
    from erpkeeper.security.review_models import Campaign, CampaignStatus
    from erpkeeper.targets.models import Target

    started = time.perf_counter()
    now = timezone.now()
    with audit_context(actor_name="bench", source="system"):
        services.load_builtin()
        services.load_builtin_controls()
        auditor = accounts.create_user("sam", "sam@example.com", Role.SECURITY_AUDITOR)[0]
        rule = AlertRule.objects.create(name="Disk", metric="disk", warning_threshold=80)
        campaign = Campaign.objects.create(
            name="Q4", deadline=now.date(), status=CampaignStatus.CLOSED, owner=auditor,
            default_reviewer=auditor, launched=now - dt.timedelta(days=20), closed=now,
        )  # fmt: skip
        for n in range(count):
            target = Target(name=f"erp-{n:02d}", rpo_minutes=24 * 60 + 60, rto_minutes=60)
            target.set_database_url(f"sqlite:////tmp/erp-{n:02d}.sqlite")
            target.save()
            campaign.targets.add(target)
            for day in range(30):
                when = now - dt.timedelta(days=day, hours=1)
                backup = Backup.objects.create(
                    target=target, target_name=target.name, trigger="scheduled",
                    status=BackupStatus.SUCCEEDED, location=f"erp/{n}/{day}", started=when,
                    finished=when + dt.timedelta(minutes=3),
                )  # fmt: skip
                if n % 5:
                    BackupCopy.objects.create(
                        backup=backup, status=CopyStatus.SUCCEEDED, started=when,
                        finished=when + dt.timedelta(minutes=5),
                    )  # fmt: skip
            Drill.objects.create(
                target=target, target_name=target.name, status="succeeded",
                started=now - dt.timedelta(days=n % 120), rto_seconds=600 + n * 30,
                rto_target_seconds=3600, rpo_target_seconds=86400,
            )  # fmt: skip
            AccessSnapshot.objects.create(
                target=target, target_name=target.name, status="succeeded", conflicts=0,
                started=now - dt.timedelta(days=1),
            )  # fmt: skip
            for user in range(3):
                state = "open" if n % 3 == 0 and user == 0 else "fixed"
                Finding.objects.create(
                    target=target, kind="dormant", subject=f"user{user}", severity="medium",
                    state=state,
                )  # fmt: skip
            SecurityCheckRun.objects.create(
                target=target, target_name=target.name, status="succeeded", score=50 + n,
                started=now - dt.timedelta(days=2),
            )  # fmt: skip
            for a in range(20):
                fired = now - dt.timedelta(days=a, hours=3)
                Alert.objects.create(
                    rule=rule, target=target, fingerprint=f"{n}-{a}",
                    state=AlertState.RESOLVED, severity=Severity.WARNING, summary="disk",
                    started=fired, fired_at=fired,
                    acknowledged_at=fired + dt.timedelta(minutes=10 + (a == 7) * 60 * (n % 2)),
                )  # fmt: skip
    took = time.perf_counter() - started
    print(
        f"filled {count} targets, {Backup.objects.count():,} backups, {Alert.objects.count():,} "
        f"alerts, {AuditEntry.objects.count():,} audit entries in {took:.0f} s"
    )


def batched():
    from erpkeeper.core.evidence import forget_verification
    from erpkeeper.governance.compliance import services

    forget_verification()  # the whole audit chain verified in every round
    services.assess_frameworks()


def batched_reused():
    """As a second evaluation within 10 minutes runs: the chain's verification reused."""
    from erpkeeper.governance.compliance import services

    services.assess_frameworks()


def per_target():
    """The reference: no batching, each collector asked once per target."""
    from erpkeeper.core.evidence import forget_verification
    from erpkeeper.governance.compliance import services
    from erpkeeper.governance.compliance.models import Control, ControlResult, Framework
    from erpkeeper.targets.models import Target

    frameworks = list(Framework.objects.all())
    controls = list(Control.objects.prefetch_related("manual_evidence", "exceptions__owner"))
    results: list[ControlResult] = []
    until = None
    for target in Target.objects.order_by("name"):
        forget_verification()
        evaluation = services.evaluate(targets=[target], controls=controls, until=until)
        until = evaluation.until
        results.extend(evaluation.results)
    merged = services.Evaluation(results, evaluation.since, until)
    for framework in frameworks:
        services.assess(framework, merged)


def timed(fn) -> float:
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():
        fn()
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def compare(rounds: int) -> None:
    from erpkeeper.governance.compliance.models import Control, Framework

    timed(batched)  # warm the caches (imports, collectors, translations) once
    times: dict[str, list[float]] = {
        "batched, audit chain verified": [],
        "batched, verification reused": [],
        "per target (reference)": [],
    }
    for _round in range(rounds):
        times["batched, audit chain verified"].append(timed(batched))
        times["batched, verification reused"].append(timed(batched_reused))
        times["per target (reference)"].append(timed(per_target))
    print(
        f"{Framework.objects.count()} frameworks, {Control.objects.count()} controls, "
        f"{rounds} rounds interleaved"
    )
    print("| evaluation | median (s) | slowest (s) |")
    print("|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.2f} | {max(values):.2f} |")


if __name__ == "__main__":
    main()
