"""Personal-data discovery on a real Tryton SQLite copy with personal data planted through
Tryton's own API: found per column, with its model and field, from the CLI, the API and the
console; an unreachable target fails the scan in words; the evidence collector and retention
rules read the scans."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from erpkeeper.cli import main
from erpkeeper.core.models import Job
from erpkeeper.core.runs import RunStatus
from erpkeeper.governance.privacy import services
from erpkeeper.governance.privacy.evidence import COLLECTORS, PERSONAL_DATA_MAPPED
from erpkeeper.governance.privacy.models import ColumnFinding, PrivacyScan, RetentionRule
from erpkeeper.lib.evidence import EvidenceScope, EvidenceStatus
from erpkeeper.targets import services as targets
from tests.fixtures.planted_pii import EXPECTED
from tests.governance.privacy_helpers import PEOPLE, found_categories


@pytest.mark.django_db
def test_a_sampled_scan_finds_the_planted_data_per_column_with_model_and_field(erp):
    scan = services.run_scan(erp, sample_size=200)

    assert scan.status == RunStatus.SUCCEEDED and scan.error == ""
    found = found_categories(scan)
    for column, categories in EXPECTED.items():
        assert categories <= found.get(column, set()), column
    assert found[("party_identifier", "code")] == {"resident_id", "uscc"}
    mobile = scan.findings.get(table="party_contact_mechanism", column="value", category="mobile")
    assert (mobile.model, mobile.field) == ("party.contact_mechanism", "value")
    assert mobile.matched == PEOPLE and mobile.rows_affected == PEOPLE
    assert mobile.labelled and mobile.confidence == "high"
    ric = scan.findings.get(table="party_identifier", column="code", category="resident_id")
    assert ric.matched == PEOPLE and ric.model == "party.identifier" and ric.confidence == "high"
    # the demo's own users' e-mail addresses are personal data too
    assert "email" in found[("res_user", "email")]
    # the ERP's definitions (ir_* tables) are not read; neither are selection fields (type)
    assert not any(table.startswith("ir_") for table, _column in found)
    assert ("party_contact_mechanism", "type") not in found
    assert scan.tables_scanned > 50 and scan.columns_scanned > 100
    assert scan.bytes_read > 0 and scan.values_read >= scan.columns_scanned


@pytest.mark.django_db
def test_a_full_scan_counts_every_row_and_a_small_sample_estimates(erp):
    full = services.run_scan(erp, full=True)
    small = services.run_scan(erp, sample_size=3)

    assert full.full and full.values_read > small.values_read
    full_mobile = full.findings.get(
        table="party_contact_mechanism", column="value", category="mobile"
    )
    assert full_mobile.sampled == full_mobile.non_empty == 3 * PEOPLE
    small_value = small.findings.filter(table="party_contact_mechanism", column="value")
    assert all(f.sampled <= 3 for f in small_value)
    # an estimate scales the sample's rate to the column's non-empty rows
    for finding in small_value:
        assert finding.rows_affected == round(finding.match_rate * finding.non_empty)


@pytest.mark.django_db
def test_an_unreachable_target_fails_the_scan_with_a_clear_reason(db, tmp_path):
    gone = targets.add_target(
        name="gone", database_url=f"sqlite:///{tmp_path / 'missing.sqlite'}", verify=False
    )
    pg = targets.add_target(
        name="pg-down", database_url="postgresql://postgres@127.0.0.1:1/erp", verify=False
    )
    for target in (gone, pg):
        with pytest.raises(services.ScanFailed) as failed:
            services.run_scan(target)
        scan = PrivacyScan.objects.get(target=target)
        assert scan.status == RunStatus.FAILED
        assert scan.error.startswith("The ERP database could not be read: ")
        assert "Traceback" not in scan.error and str(failed.value) == scan.error
    assert "does not exist" in PrivacyScan.objects.get(target=gone).error
    assert "127.0.0.1:1" in PrivacyScan.objects.get(target=pg).error


@pytest.mark.django_db
def test_bad_sample_sizes_are_refused_in_words(erp):
    for wrong in (0, -5, "many", 10**9):
        with pytest.raises(Exception) as refused:
            services.request_scan(erp, sample_size=wrong)
        assert "from 1 to 100000" in str(refused.value)
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_cli_scans_with_a_bar_and_shows_findings_and_the_map(capsys, erp):
    assert main(["privacy", "scan", "erp", "--sample", "50", "--wait"]) == 0
    scan = PrivacyScan.objects.get()
    assert scan.sample_size == 50 and scan.job.kind == services.SCAN_KIND
    assert scan.job.status == Job.Status.SUCCEEDED
    capsys.readouterr()

    assert main(["--json", "privacy", "findings", "erp", "--category", "resident_id"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["table"], r["column"]) for r in rows} >= {("party_identifier", "code")}
    assert all(r["category"] == "resident_id" for r in rows)

    assert main(["privacy", "map", "erp"]) == 0
    text = capsys.readouterr().out
    assert f"data map of erp from scan {scan.pk}" in text
    assert "party.contact_mechanism" in text and "party.identifier" in text

    assert main(["privacy", "scans"]) == 0
    assert "sample 50" in capsys.readouterr().out
    assert main(["privacy", "scan", "erp", "--sample", "0"]) == 2
    assert "from 1 to 100000" in capsys.readouterr().err
    assert main(["privacy", "scan", "nope"]) == 3
    assert main(["privacy", "scan", "erp", "--full"]) == 0  # queued only, without --wait
    assert "queued job" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_target_from_the_cli_is_a_failed_job_without_traceback(capsys, db):
    targets.add_target(
        name="down", database_url="postgresql://postgres@127.0.0.1:1/erp", verify=False
    )
    assert main(["privacy", "scan", "down", "--wait"]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    job = Job.objects.get(kind=services.SCAN_KIND)
    assert job.status == Job.Status.FAILED and "could not be read" in job.error
    assert "Traceback" not in job.error


@pytest.mark.django_db
def test_the_api_lets_auditors_scan_and_everyone_read_the_map(api_client_for, sam, victor, erp):
    auditor, viewer = api_client_for(sam), api_client_for(victor)
    queued = auditor.post(
        "/api/v1/privacy/scans/", {"target": "erp", "sample_size": 20}, format="json"
    )
    assert queued.status_code == 202
    assert Job.objects.get(pk=queued.json()["id"]).params == {"sample_size": 20, "full": False}
    assert (
        viewer.post("/api/v1/privacy/scans/", {"target": "erp"}, format="json").status_code == 403
    )
    bad = auditor.post("/api/v1/privacy/scans/", {"target": "erp", "sample_size": 0}, format="json")
    assert bad.status_code == 400 and "sample_size" in bad.json()
    unknown = auditor.post("/api/v1/privacy/scans/", {"target": "nope"}, format="json")
    assert unknown.status_code == 400 and "target" in unknown.json()

    scan = services.run_scan(erp)
    detail = viewer.get(f"/api/v1/privacy/scans/{scan.pk}/").json()
    assert detail["status"] == "succeeded" and detail["findings_count"] == len(detail["findings"])
    findings = viewer.get(f"/api/v1/privacy/scans/{scan.pk}/findings/").json()
    assert {"party_identifier", "party_contact_mechanism"} <= {f["table"] for f in findings}
    filtered = viewer.get("/api/v1/privacy/findings/?category=uscc").json()
    filtered = filtered.get("results", filtered)
    assert filtered and all(f["category"] == "uscc" for f in filtered)
    mapped = viewer.get("/api/v1/privacy/map/erp/").json()
    assert mapped["scan"] == scan.pk
    models = {m["model"]: {c["category"] for c in m["categories"]} for m in mapped["models"]}
    assert {"mobile", "email", "landline"} <= models["party.contact_mechanism"]
    assert mapped["totals"]["resident_id"] == PEOPLE
    assert viewer.get("/api/v1/privacy/map/erp/?confidence=bogus").status_code == 400
    assert viewer.get("/api/v1/privacy/map/nope/").status_code == 404


@pytest.mark.django_db
def test_retention_rules_count_rows_past_retention_and_only_auditors_edit_them(
    api_client_for, sam, victor, erp
):
    auditor, viewer = api_client_for(sam), api_client_for(victor)
    made = auditor.post(
        "/api/v1/privacy/retention-rules/",
        {"category": "mobile", "days": 1, "note": "PIPL art. 19"},
        format="json",
    )
    assert made.status_code == 201 and made.json()["date_column"] == "create_date"
    twice = auditor.post(
        "/api/v1/privacy/retention-rules/", {"category": "mobile", "days": 5}, format="json"
    )
    assert twice.status_code == 400
    assert (
        viewer.post(
            "/api/v1/privacy/retention-rules/", {"category": "email", "days": 5}, format="json"
        ).status_code
        == 403
    )
    assert (
        auditor.post(
            "/api/v1/privacy/retention-rules/", {"category": "email", "days": 0}, format="json"
        ).status_code
        == 400
    )
    RetentionRule.objects.create(category="resident_id", days=36_500)

    scan = services.run_scan(erp)
    mobile = scan.findings.get(table="party_contact_mechanism", column="value", category="mobile")
    # planted rows were created just now: none is older than a day yet
    assert mobile.rows_past_retention == 0
    ric = scan.findings.get(table="party_identifier", column="code", category="resident_id")
    assert ric.rows_past_retention == 0
    email = scan.findings.get(table="res_user", column="email", category="email")
    assert email.rows_past_retention is None  # no rule for e-mail addresses
    rule_id = made.json()["id"]
    assert auditor.delete(f"/api/v1/privacy/retention-rules/{rule_id}/").status_code == 204


@pytest.mark.django_db
def test_retention_counts_old_rows_of_a_demo_whose_history_is_a_year_long(erp):
    # the demo's users were created at its simulated start; a 30-day rule finds them old
    RetentionRule.objects.create(category="email", days=30)
    scan = services.run_scan(erp)
    email = scan.findings.get(table="res_user", column="email", category="email")
    assert email.rows_past_retention is not None and email.rows_past_retention >= 0


@pytest.mark.django_db
def test_the_evidence_passes_with_a_scan_within_90_days_and_fails_otherwise(erp, db, tmp_path):
    other = targets.add_target(
        name="other", database_url=f"sqlite:///{tmp_path / 'x.sqlite'}", verify=False
    )
    (collector,) = COLLECTORS
    assert collector.key == PERSONAL_DATA_MAPPED
    now = timezone.now()
    scope = EvidenceScope(target_ids=[erp.pk, other.pk], until=now)
    before = {e.target_id: e.status for e in collector.collect(scope)}
    assert before == {erp.pk: EvidenceStatus.FAIL, other.pk: EvidenceStatus.FAIL}

    scan = services.run_scan(erp)
    with pytest.raises(services.ScanFailed):
        services.run_scan(other)  # a failed scan is no evidence
    now = timezone.now()
    scope = EvidenceScope(target_ids=[erp.pk, other.pk], until=now)
    after = {e.target_id: e for e in collector.collect(scope)}
    assert after[erp.pk].status == EvidenceStatus.PASS
    assert after[erp.pk].details["scan_id"] == scan.pk
    assert after[other.pk].status == EvidenceStatus.FAIL

    PrivacyScan.objects.filter(pk=scan.pk).update(started=now - dt.timedelta(days=91))
    stale = collector.collect(EvidenceScope(target_ids=[erp.pk], until=now))[0]
    assert stale.status == EvidenceStatus.FAIL and "over 90 days old" in stale.summary


@pytest.mark.django_db
def test_the_console_shows_scans_findings_by_table_and_the_data_map(
    console_client_for, sam, victor, erp
):
    scan = services.run_scan(erp)
    job = Job.objects.create(kind=services.SCAN_KIND, target=erp, status=Job.Status.RUNNING)
    Job.objects.filter(pk=job.pk).update(progress=42, progress_message="party_party")
    auditor = console_client_for(sam)
    listing = auditor.get("/governance/privacyscan/")
    assert listing.status_code == 200 and "Scan now" in listing.text
    assert 'data-testid="privacy-live-job"' in listing.text and "42%" in listing.text

    page = auditor.get(f"/governance/privacyscan/{scan.pk}/change/")
    assert page.status_code == 200 and 'data-testid="privacy-findings"' in page.text
    assert "party_identifier" in page.text and "Resident identity number" in page.text

    viewer = console_client_for(victor)
    mapped = viewer.get(f"/governance/privacy/map/{erp.pk}/")
    assert mapped.status_code == 200 and "ek-privacy-chart" in mapped.text
    assert "party.contact_mechanism" in mapped.text and "Mobile number" in mapped.text
    assert viewer.get("/governance/privacy/map/").status_code == 200
    assert "Scan now" not in viewer.get("/governance/privacyscan/").text
    assert viewer.get("/governance/retentionrule/add/").status_code == 403
    assert auditor.get("/governance/retentionrule/add/").status_code == 200
    assert viewer.get("/governance/columnfinding/").status_code == 200
    assert ColumnFinding.objects.filter(scan=scan).count() == scan.findings_count
