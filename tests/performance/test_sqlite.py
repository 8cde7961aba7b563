"""The advisor on a real Tryton ERP in SQLite: checks, findings fixed by a later run, index
advice for the workload's report, and its proof on a copy restored from a backup."""

import sqlite3
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from erpkeeper.backups import services as backups
from erpkeeper.core.models import OutboxMessage
from erpkeeper.lib import dburl
from erpkeeper.performance import services
from erpkeeper.performance.models import (
    CheckRun,
    Finding,
    FindingState,
    IndexSuggestion,
    SuggestionState,
)
from tests.fixtures.workload import grow_stock_moves, report_query

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_sqlite_target(sqlite_backup_target):
    grow_stock_moves(sqlite_backup_target.database_url, 20_000)
    return sqlite_backup_target


def test_checks_run_read_only_and_record_every_check(sqlite_backup_target):
    path = dburl.parse(sqlite_backup_target.database_url).path
    before = Path(path).read_bytes()
    run = services.run_checks(sqlite_backup_target)
    assert run.status == "succeeded", run.error
    assert run.engine == "sqlite"
    assert {c["check"] for c in run.checks} >= {"statistics", "freelist", "quick_check"}
    assert not [c for c in run.checks if c["error"]]
    assert any("quick_check" in note["msgid"] for note in run.notes)
    assert Path(path).read_bytes() == before  # nothing written to the ERP


def test_a_large_table_scanned_by_frequent_queries_is_found_then_fixed(big_sqlite_target):
    run = services.run_checks(big_sqlite_target)
    found = Finding.objects.filter(target=big_sqlite_target)
    assert found.filter(check_id="sqlite.statistics", state=FindingState.OPEN).exists()
    scan = found.get(check_id="sqlite.frequent_queries", subject="stock_move")
    assert scan.numbers["rows"] >= 20_000
    assert "stock_move" in services.finding_explanation(scan)
    assert run.queries.filter(source="erp_catalogue", tables__icontains="stock_move").exists()
    stat = run.queries.filter(tables__icontains="stock_move").first()
    assert {"table": "stock_move", "model": "stock.move", "name": "Stock Move"} in (
        stat.models_used
    )
    suggestion = IndexSuggestion.objects.get(target=big_sqlite_target, table="stock_move")
    assert suggestion.columns[0] == "product" and "CREATE INDEX" in suggestion.ddl

    # The DBA runs ANALYZE: the next run verifies the statistics finding as fixed.
    with sqlite3.connect(dburl.parse(big_sqlite_target.database_url).path) as conn:
        conn.execute("ANALYZE")
    second = services.run_checks(big_sqlite_target)
    fixed = found.get(check_id="sqlite.statistics")
    assert fixed.state == FindingState.FIXED and fixed.fixed_run_id == second.pk


def test_accepting_needs_a_reason_and_expires(big_sqlite_target):
    services.run_checks(big_sqlite_target)
    finding = Finding.objects.filter(target=big_sqlite_target).first()
    with pytest.raises(ValidationError):
        services.accept_finding(finding, reason=" ")
    services.accept_finding(finding, reason="planned for the next window")
    finding.refresh_from_db()
    assert finding.state == FindingState.ACCEPTED
    services.run_checks(big_sqlite_target)
    finding.refresh_from_db()
    assert finding.state == FindingState.ACCEPTED  # still seen, still accepted


def test_the_workload_report_is_advised_and_proven_faster_on_a_copy(big_sqlite_target):
    url = big_sqlite_target.database_url
    query = report_query(url)
    found = services.advise_query(big_sqlite_target, query)
    assert [s.columns for s in found] == [["product", "effective_date"]]
    backups.run_backup(big_sqlite_target)
    before = Path(dburl.parse(url).path).read_bytes()

    proof = services.run_proof(found[0], runs=5)

    assert proof.status == "succeeded", proof.error
    assert len(proof.before_ms) == 5 and len(proof.after_ms) == 5
    assert proof.speedup >= 2 and proof.helps  # the 10x is measured on the medium demo
    assert "SCAN" in proof.plan_before and "ek" in proof.plan_after
    assert proof.index_bytes is None or proof.index_bytes > 0
    found[0].refresh_from_db()
    assert found[0].state == SuggestionState.PROVEN
    # Production untouched; the scratch copy gone.
    assert Path(dburl.parse(url).path).read_bytes() == before
    assert not list((Path(settings.HOME) / "drills").glob(f"proof-{proof.pk}"))


def test_a_proof_without_a_backup_fails_with_the_reason(big_sqlite_target):
    (suggestion,) = services.advise_query(
        big_sqlite_target, report_query(big_sqlite_target.database_url)
    )
    proof = services.run_proof(suggestion)
    assert proof.status == "failed" and "no succeeded backup" in proof.error


def test_an_unreachable_database_fails_the_run_with_a_clear_message(sqlite_backup_target):
    Path(dburl.parse(sqlite_backup_target.database_url).path).unlink()  # the disk is gone
    with pytest.raises(services.CheckFailed, match="does not exist"):
        services.run_checks(sqlite_backup_target)
    run = CheckRun.objects.get()
    assert run.status == "failed" and "does not exist" in run.error
    assert not OutboxMessage.objects.filter(source="performance").exists()


def test_advice_refuses_writes_and_nonsense(sqlite_backup_target):
    for sql in ("DELETE FROM stock_move", "SELEC x FROM", "SELECT 1; SELECT 2"):
        with pytest.raises(services.AdviceRefused):
            services.advise_query(sqlite_backup_target, sql)
