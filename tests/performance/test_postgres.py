"""The advisor on a real Tryton ERP in PostgreSQL without pg_stat_statements (the test server
does not preload it): the fallback to pg_stat_activity catches the workload's report, maps it
to stock.move, suggests the index and proves it on a restored copy; a sequence at 90 % raises a
critical alert that resolves when it is gone."""

import psycopg
import pytest

from erpkeeper.backups import services as backups
from erpkeeper.core.models import OutboxMessage
from erpkeeper.performance import services
from erpkeeper.performance.checks import BoundedConnection, ConnectionFailed, StatementTimeout
from erpkeeper.performance.checks import postgresql as pg_checks
from erpkeeper.performance.models import Finding, FindingState, IndexSuggestion
from erpkeeper.targets import services as targets
from tests.fixtures.workload import Workload, grow_stock_moves, report_query

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_pg_target(postgres_backup_target):
    grow_stock_moves(postgres_backup_target.database_url, 40_000)
    with psycopg.connect(postgres_backup_target.database_url, autocommit=True) as conn:
        conn.execute("ANALYZE stock_move")
    return postgres_backup_target


def test_without_pg_stat_statements_the_activity_shows_the_slow_report(big_pg_target):
    url = big_pg_target.database_url
    with Workload(url, report_query(url)) as load:
        run = services.run_checks(big_pg_target)
    assert load.calls > 0
    assert run.status == "succeeded", run.error
    assert not [c for c in run.checks if c["error"]], run.checks
    missing = Finding.objects.get(target=big_pg_target, check_id="pg.queries")
    assert "shared_preload_libraries" in services.finding_advice(missing)
    stat = run.queries.get(tables__icontains="stock_move", source="pg_stat_activity")
    assert stat.models_used[0]["model"] == "stock.move"
    assert "?" in stat.text or "%s" in stat.text  # values normalised away
    suggestion = IndexSuggestion.objects.get(target=big_pg_target, table="stock_move")
    assert suggestion.columns == ["product", "effective_date"]
    assert suggestion.ddl.startswith("CREATE INDEX CONCURRENTLY")

    backups.run_backup(big_pg_target)
    proof = services.run_proof(suggestion, runs=3)
    assert proof.status == "succeeded", proof.error
    assert proof.speedup > 1.5 and proof.helps
    assert "Seq Scan" in proof.plan_before or "Bitmap" in proof.plan_before
    assert proof.index_bytes > 0 and proof.cost_after < proof.cost_before
    with psycopg.connect(url) as conn:  # production has no such index
        names = [
            r[0]
            for r in conn.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ek%'")
        ]
        assert names == []
        scratch = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'ekproof%'"
        ).fetchone()[0]
        assert scratch == 0


def test_a_sequence_at_90_percent_raises_an_alert_that_resolves(postgres_backup_target):
    url = postgres_backup_target.database_url
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT setval('sale_sale_id_seq', 2000000000)")
    services.run_checks(postgres_backup_target)
    finding = Finding.objects.get(check_id="pg.sequences", subject="sale_sale_id_seq")
    assert finding.severity == "critical" and finding.numbers["percent"] > 90
    alert = OutboxMessage.objects.get(source="performance")
    assert alert.state != OutboxMessage.State.RESOLVED and alert.severity == "critical"

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT setval('sale_sale_id_seq', 100000)")
    services.run_checks(postgres_backup_target)
    finding.refresh_from_db()
    alert.refresh_from_db()
    assert finding.state == FindingState.FIXED
    assert alert.state == OutboxMessage.State.RESOLVED


def test_every_statement_is_bounded_and_read_only(postgres_backup_target):
    with BoundedConnection(postgres_backup_target.database_url, timeout_ms=200) as db:
        with pytest.raises(StatementTimeout):
            db.rows("SELECT pg_sleep(2)")
        with pytest.raises(ConnectionFailed, match="read-only"):
            db.rows("CREATE TABLE ek_nope (id int)")  # read-only


def test_an_unreachable_server_fails_the_run(db):
    target = targets.add_target(
        name="gone", database_url="postgresql://postgres@127.0.0.1:1/none", verify=False
    )
    with pytest.raises(services.CheckFailed, match="127.0.0.1"):
        services.run_checks(target)
    run = target.performance_runs.get()
    assert run.status == "failed" and run.error


def test_bloat_left_by_a_mass_delete_is_estimated_for_the_table_and_its_indexes(
    postgres_backup_target, monkeypatch
):
    url = postgres_backup_target.database_url
    grow_stock_moves(url, 40_000)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE stock_move")
    services.run_checks(postgres_backup_target)
    assert not Finding.objects.filter(subject="stock_move", check_id="pg.bloat.table").exists()

    # Nine rows in ten go; the pages stay (the kept tenth pins every page, so VACUUM cannot
    # give the tail back) and the statistics see a tenth of the rows.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM stock_move WHERE id % 10 <> 0")
        conn.execute("VACUUM ANALYZE stock_move")
    monkeypatch.setattr(pg_checks, "BLOAT_INFO_BYTES", 1 << 18)  # the test table is small
    services.run_checks(postgres_backup_target)

    table = Finding.objects.get(check_id="pg.bloat.table", subject="stock_move")
    assert table.numbers["percent"] > 70 and table.numbers["wasted"] > 1 << 18
    indexes = Finding.objects.filter(check_id="pg.bloat.index", numbers__table="stock_move")
    assert indexes.exists()
    assert "REINDEX INDEX CONCURRENTLY" in services.finding_advice(indexes.first())
