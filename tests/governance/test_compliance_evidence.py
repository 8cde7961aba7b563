"""The evidence collectors the apps declare, each on real records: a real backup copied
off-site, a real restore drill, the real audit chain, 2FA devices, a real access snapshot of a
Tryton ERP with its SoD conflicts and dormant accounts, a real security check run, alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from erpkeeper.accounts.evidence import admin_two_factor
from erpkeeper.alerts.evidence import acknowledged_in_time
from erpkeeper.alerts.models import Alert, AlertState, Severity
from erpkeeper.backups import services as backups
from erpkeeper.backups.evidence import drill_passed, offsite_within_rpo
from erpkeeper.backups.services.requests import request_backup
from erpkeeper.core.evidence import audit_trail_verified, forget_verification
from erpkeeper.core.jobs import run_job
from erpkeeper.core.models import AuditEntry
from erpkeeper.governance.compliance.services import available_collectors
from erpkeeper.lib.evidence import EvidenceScope, EvidenceStatus
from erpkeeper.security import services as security
from erpkeeper.security.evidence import (
    access_review_done,
    check_score,
    dormant_accounts_handled,
    sod_conflicts_mitigated,
)
from erpkeeper.security.models import Finding, FindingKind, FindingState
from erpkeeper.security.review_models import Campaign, CampaignStatus
from erpkeeper.security.services.mitigations import add_mitigation
from erpkeeper.targets.services import add_target
from tests.fixtures.alerts import make_rule, make_target
from tests.fixtures.two_factor import enrolled

S = EvidenceStatus


def scope(*targets, until=None, since=None):
    return EvidenceScope([t.pk for t in targets], until or timezone.now(), since)


def test_the_installed_apps_offer_the_collectors_of_the_builtin_controls(db):
    keys = set(available_collectors())

    assert keys >= {
        "backups.offsite_within_rpo",
        "backups.drill_passed_90_days",
        "core.audit_trail_verified",
        "accounts.admin_two_factor",
        "alerts.acknowledged_in_time",
        "security.sod_conflicts_mitigated",
        "security.dormant_accounts_handled",
        "security.access_review_done",
        "security.check_score",
        "privacy.personal_data_mapped",
    }


@pytest.fixture
def offsite(sqlite_backup_target, tmp_path):
    far = backups.create_destination(name="far", kind="local", path=str(tmp_path / "far"))
    backups.update_policy(backups.policy_for(sqlite_backup_target), offsite_destination=far)
    return far


def test_an_encrypted_backup_copied_off_site_passes_within_the_rpo_only(
    sqlite_backup_target, offsite, olga
):
    shop = sqlite_backup_target
    assert offsite_within_rpo(scope(shop))[0].status == S.FAIL  # no backup yet
    run_job(request_backup(shop, olga).job.pk, heartbeat=False)

    [now] = offsite_within_rpo(scope(shop))
    later = shop.rpo_minutes + 5
    [too_old] = offsite_within_rpo(scope(shop, until=timezone.now() + dt.timedelta(minutes=later)))

    assert now.status == S.PASS and now.details["backup_id"]
    assert now.observed_at <= timezone.now()
    assert too_old.status == S.FAIL


def test_a_backup_without_its_off_site_copy_is_partial(sqlite_backup_target, olga):
    run_job(request_backup(sqlite_backup_target, olga).job.pk, heartbeat=False)

    [evidence] = offsite_within_rpo(scope(sqlite_backup_target))

    assert evidence.status == S.PARTIAL
    assert "not encrypted or not copied off-site" in evidence.summary


def test_a_real_drill_passes_with_the_rto_met_and_expires_after_90_days(sqlite_backup_target, olga):
    shop = sqlite_backup_target
    run_job(request_backup(shop, olga).job.pk, heartbeat=False)
    drill = backups.run_drill(shop)

    [evidence] = drill_passed(scope(shop))
    [later] = drill_passed(scope(shop, until=timezone.now() + dt.timedelta(days=91)))
    type(drill).objects.filter(pk=drill.pk).update(rto_target_seconds=0)
    [missed] = drill_passed(scope(shop))

    assert evidence.status == S.PASS and evidence.details["drill_id"] == drill.pk
    assert later.status == S.FAIL
    assert missed.status == S.PARTIAL


def test_the_audit_trail_passes_until_an_entry_is_altered(alice):
    forget_verification()
    [intact] = audit_trail_verified(scope())
    forget_verification()
    AuditEntry.objects.filter(sequence=AuditEntry.objects.latest("sequence").sequence).update(
        object_repr="tampered"
    )
    [broken] = audit_trail_verified(scope())

    assert intact.status == S.PASS and intact.target_id is None
    assert broken.status == S.FAIL and broken.details["problems"] >= 1


def test_two_factor_for_administrators_is_required_and_enrolled(alice, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    assert admin_two_factor(scope())[0].status == S.FAIL
    settings.TWO_FACTOR_REQUIRED_ROLES = ["Administrator"]
    assert admin_two_factor(scope())[0].status == S.PARTIAL
    enrolled(alice)

    [evidence] = admin_two_factor(scope())

    assert evidence.status == S.PASS
    assert evidence.details == {"administrators": 1, "enrolled": 1}


@pytest.fixture
def shop(db, tryton_sqlite_db):
    return add_target(name="shop", database_url=tryton_sqlite_db)


def test_sod_conflicts_pass_once_each_is_mitigated(shop):
    assert sod_conflicts_mitigated(scope(shop))[0].status == S.FAIL  # no snapshot yet
    snapshot = security.take_snapshot(shop)
    assert snapshot.conflicts, "the demo ERP has SoD conflicts"

    [before] = sod_conflicts_mitigated(scope(shop))
    analysis = security.analysis_for(snapshot, entities=False)
    for risk in sorted({conflict.risk for conflict in analysis.conflicts}):
        add_mitigation(risk=risk, owner="cfo", description="monthly review", frequency="monthly")
    [after] = sod_conflicts_mitigated(scope(shop))

    assert before.status == S.FAIL and before.details["open"] == snapshot.conflicts
    assert after.status == S.PASS and after.details["open"] == 0


def test_dormant_accounts_pass_once_accepted(shop):
    security.take_snapshot(shop)
    Finding.objects.create(
        target=shop, kind=FindingKind.DORMANT, subject="zhang.wei", severity="medium"
    )
    [before] = dormant_accounts_handled(scope(shop))
    for finding in Finding.objects.filter(kind=FindingKind.DORMANT, state=FindingState.OPEN):
        security.accept_finding(
            finding,
            reason="seasonal staff",
            expires=timezone.localdate() + dt.timedelta(days=30),
            by="sam",
        )
    [after] = dormant_accounts_handled(scope(shop))

    assert before.status == S.FAIL and before.details["open_dormant"] >= 1
    assert after.status == S.PASS


def test_an_access_review_closed_in_the_period_passes(db, sam):
    shop = make_target("shop")
    assert access_review_done(scope(shop))[0].status == S.FAIL
    campaign = Campaign.objects.create(
        name="Q4 review",
        deadline=timezone.localdate(),
        status=CampaignStatus.OPEN,
        launched=timezone.now() - dt.timedelta(days=10),
        owner=sam,
        default_reviewer=sam,
    )
    campaign.targets.add(shop)
    assert access_review_done(scope(shop))[0].status == S.PARTIAL
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.CLOSED, closed=timezone.now()
    )

    [evidence] = access_review_done(scope(shop))

    assert evidence.status == S.PASS and evidence.details["campaign_id"] == campaign.pk


def test_the_security_check_score_decides(shop):
    assert check_score(scope(shop))[0].status == S.FAIL  # never checked
    run = security.run_checks(shop)

    [evidence] = check_score(scope(shop))

    expected = S.PASS if run.score >= 80 else S.PARTIAL if run.score >= 60 else S.FAIL
    assert evidence.status == expected and evidence.details["score"] == run.score


def test_alerts_pass_when_acknowledged_within_the_escalation_delay(db, olga):
    shop = make_target("shop")
    rule = make_rule()
    fired = timezone.now() - dt.timedelta(hours=2)

    def alert(minutes_to_ack):
        return Alert.objects.create(
            rule=rule,
            target=shop,
            fingerprint=f"fp{minutes_to_ack}",
            state=AlertState.RESOLVED,
            severity=Severity.WARNING,
            summary="disk",
            started=fired,
            fired_at=fired,
            acknowledged_at=fired + dt.timedelta(minutes=minutes_to_ack),
            acknowledged_by=olga,
        )

    assert acknowledged_in_time(scope(shop))[0].status == S.PASS  # no alert fired
    alert(10)
    assert acknowledged_in_time(scope(shop))[0].status == S.PASS
    alert(45)

    [evidence] = acknowledged_in_time(scope(shop))

    assert evidence.status == S.FAIL
    assert evidence.details == {"fired": 2, "in_time": 1}
