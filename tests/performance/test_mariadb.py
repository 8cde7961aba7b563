"""The advisor on a real MariaDB database with a workload of its own (not Tryton: a target of
kind "database"): with performance_schema on, the slow sales report is found in the statement
digests, normalised, named by its table's comment, given an index and proven on a copy restored
from a real backup; with performance_schema off (the machine's server) the run says so as a
finding; an unreachable server and a user without privileges give a clear message, no
traceback."""

import time

import pytest

from erpkeeper.backups import services as backups
from erpkeeper.performance import services
from erpkeeper.performance.checks import BoundedConnection, ConnectionFailed, StatementTimeout
from erpkeeper.performance.models import Finding, IndexSuggestion
from erpkeeper.targets import services as targets
from tests.fixtures.mariadb import SalesReport, build_sales, connect, run_report

pytestmark = [pytest.mark.django_db, pytest.mark.mariadb]


def rows(url: str, sql: str) -> list[tuple]:
    with connect(url) as conn:
        cursor = conn.cursor()
        cursor.execute(sql)
        return list(cursor.fetchall())


@pytest.fixture
def sales_target(mariadb_ps_database, local_destination):
    build_sales(mariadb_ps_database)
    target = targets.add_target(
        name="shop-maria", kind="database", database_url=mariadb_ps_database
    )
    backups.update_policy(backups.policy_for(target), destination=local_destination)
    return target


def test_the_slow_report_is_found_advised_and_proven_faster_on_a_restored_copy(sales_target):
    url = sales_target.database_url
    run_report(url, 150)

    run = services.run_checks(sales_target)

    assert run.status == "succeeded", run.error
    assert run.engine == "mysql"
    assert not [c for c in run.checks if c["error"]], run.checks
    assert run.queries.count() == 1  # SET NAMES, the advisor's catalogue reads: not ERP load
    stat = run.queries.get(tables__icontains="sale_line", source="performance_schema")
    assert stat.calls >= 150 and "42" not in stat.text
    assert stat.models_used[0]["name"] == "Sales order lines"
    assert Finding.objects.filter(target=sales_target, check_id="mysql.full_scans").exists()
    redundant = Finding.objects.get(target=sales_target, check_id="mysql.redundant_index")
    assert redundant.numbers == {
        "table": "sale_line",
        "index": "sale_line_sale",
        "covered_by": "sale_line_sale_state",
    }
    assert not Finding.objects.filter(target=sales_target, check_id="mysql.queries").exists()
    suggestion = IndexSuggestion.objects.get(target=sales_target, table="sale_line")
    assert suggestion.columns[0] == "product"
    assert suggestion.ddl.startswith("ALTER TABLE `sale_line` ADD INDEX")
    assert suggestion.ddl.endswith("ALGORITHM=INPLACE, LOCK=NONE")

    backup = backups.run_backup(sales_target)
    assert backup.status == "succeeded"
    proof = services.run_proof(suggestion, runs=5)

    assert proof.status == "succeeded", proof.error
    assert proof.helps and proof.speedup >= 5, (proof.before_ms, proof.after_ms)
    assert "ALL" in proof.plan_before and "ekproof_" in proof.plan_after
    assert proof.index_bytes > 0
    assert not rows(url, "SELECT 1 FROM information_schema.STATISTICS WHERE INDEX_NAME LIKE 'ek%'")
    assert not rows(url, "SHOW DATABASES LIKE 'ekproof%'")


def test_the_report_running_now_is_seen_too(sales_target):
    with SalesReport(sales_target.database_url) as load:
        while load.calls < 5:
            time.sleep(0.05)
        run = services.run_checks(sales_target)
    assert load.calls > 0 and run.status == "succeeded", run.error
    assert run.queries.filter(tables__icontains="sale_line", calls__gt=0).exists()


def test_with_performance_schema_off_the_run_says_so_as_a_finding(mariadb_database):
    assert rows(mariadb_database, "SELECT @@performance_schema") == [(0,)]
    target = targets.add_target(name="maria-off", kind="database", database_url=mariadb_database)
    run = services.run_checks(target)
    assert run.status == "succeeded", run.error
    finding = Finding.objects.get(target=target, check_id="mysql.queries")
    assert "performance_schema=ON" in services.finding_advice(finding)
    errors = {c["check"]: c["error"] for c in run.checks if c["error"]}
    assert errors == {
        "full_scans": "performance_schema is off: nothing to read",
        "unused_index": "performance_schema is off: nothing to read",
    }


def test_with_statement_digests_disabled_the_run_says_so_as_a_finding(
    sales_target, mariadb_ps_server
):
    consumer = "UPDATE performance_schema.setup_consumers SET ENABLED = '{}' WHERE NAME = '{}'"
    with connect(mariadb_ps_server) as conn:
        conn.cursor().execute(consumer.format("NO", "statements_digest"))
    try:
        run = services.run_checks(sales_target)
    finally:
        with connect(mariadb_ps_server) as conn:
            conn.cursor().execute(consumer.format("YES", "statements_digest"))
    assert run.status == "succeeded", run.error
    finding = Finding.objects.get(target=sales_target, check_id="mysql.digests")
    assert "statements_digest" in services.finding_advice(finding)
    assert not Finding.objects.filter(target=sales_target, check_id="mysql.queries").exists()

    run = services.run_checks(sales_target)  # switched on again: the finding is fixed
    finding.refresh_from_db()
    assert finding.state == "fixed" and finding.fixed_run == run


def test_an_unreachable_server_fails_the_run_with_a_clear_message(db):
    target = targets.add_target(
        name="gone", kind="database", database_url="mysql://root@127.0.0.1:1/shop", verify=False
    )
    with pytest.raises(services.CheckFailed, match="127.0.0.1:1/shop"):
        services.run_checks(target)
    run = target.performance_runs.get()
    assert run.status == "failed" and "Traceback" not in run.error


def test_a_user_without_privileges_gets_checks_not_run_and_notes_not_a_traceback(
    sales_target, mariadb_ps_server, console_client_for, dave
):
    database = sales_target.database_url.rsplit("/", 1)[1]
    with connect(mariadb_ps_server) as conn:
        cursor = conn.cursor()
        cursor.execute("CREATE OR REPLACE USER 'ek_low'@'127.0.0.1' IDENTIFIED BY 'low-pw'")
        cursor.execute(f"GRANT SELECT ON `{database}`.* TO 'ek_low'@'127.0.0.1'")
    low = targets.add_target(
        name="maria-low",
        kind="database",
        database_url=sales_target.database_url.replace("root@", "ek_low:low-pw@"),
    )
    run = services.run_checks(low)
    assert run.status == "succeeded", run.error
    assert "low-pw" not in str(run.checks) + str(run.notes)
    errors = {c["check"]: c["error"] for c in run.checks if c["error"]}
    assert set(errors) == {"queries", "full_scans", "unused_index", "redundant_index"}
    assert "denied" in errors["queries"] and "low-pw" not in str(errors)
    assert "grant it SELECT ON performance_schema.*" in str(run.notes)
    assert len(run.notes) == 2  # one note per missing grant, not one per check
    # performance_schema is on: the missing grant is not reported as "performance_schema is off"
    assert not Finding.objects.filter(target=low, check_id="mysql.queries").exists()
    page = console_client_for(dave).get(f"/performance/checkrun/{run.pk}/change/")
    assert page.status_code == 200 and "grant it SELECT ON performance_schema.*" in page.text

    with connect(mariadb_ps_server) as conn:  # the grants docs/performance.md asks for
        cursor = conn.cursor()
        cursor.execute("GRANT SELECT ON performance_schema.* TO 'ek_low'@'127.0.0.1'")
        cursor.execute("GRANT SELECT, EXECUTE ON sys.* TO 'ek_low'@'127.0.0.1'")
    run = services.run_checks(low)
    assert not [c for c in run.checks if c["error"]], run.checks
    assert not run.notes


def test_every_statement_is_bounded_and_read_only(mariadb_database):
    with BoundedConnection(mariadb_database, timeout_ms=200) as db:
        with pytest.raises(StatementTimeout):
            db.rows("SELECT SLEEP(2) FROM (SELECT 1 UNION SELECT 2) AS t")
        with pytest.raises(ConnectionFailed, match="READ ONLY"):
            db.rows("CREATE TABLE ek_nope (id int)")
