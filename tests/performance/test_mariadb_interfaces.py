"""A new user registers a MariaDB database (not Tryton) and uses the advisor from the CLI, the
API and the console: checks, findings, the slow report with its index, the proof on a restored
copy and its chart; a database that cannot be reached gives a clear message and exit code."""

import json

import pytest

from erpkeeper.cli import main
from erpkeeper.performance import services
from erpkeeper.performance.models import IndexSuggestion
from erpkeeper.targets import services as targets
from tests.fixtures.mariadb import build_sales, run_report

pytestmark = pytest.mark.mariadb


@pytest.mark.django_db(transaction=True)
def test_a_new_user_checks_and_proves_a_mariadb_database_from_the_cli(
    capsys, mariadb_ps_database, console_client_for, dave
):
    build_sales(mariadb_ps_database)
    run_report(mariadb_ps_database, 120)
    assert (
        main(["target", "add", "sales", "--kind", "database", "--db-url", mariadb_ps_database]) == 0
    )
    assert main(["perf", "check", "sales"]) == 0
    capsys.readouterr()
    assert main(["--json", "perf", "findings", "sales"]) == 0
    checks = {f["check"] for f in json.loads(capsys.readouterr().out)}
    # "query.slow" too when the machine makes the report take 20 ms or more (PgHero's line);
    # on a fast machine the report is still worth an index for its share of the time.
    assert "mysql.full_scans" in checks
    assert main(["--json", "perf", "queries", "sales"]) == 0
    queries = json.loads(capsys.readouterr().out)
    report = next(q for q in queries if "sale_line" in q["text"])
    assert report["calls"] >= 120 and "`product` = ?" in report["text"]
    suggestion = IndexSuggestion.objects.get(table="sale_line")
    assert main(["backup", "run", "sales"]) == 0
    assert main(["perf", "prove", str(suggestion.pk)]) == 0
    capsys.readouterr()
    proof = suggestion.proofs.get()
    assert main(["--json", "perf", "proof", str(proof.pk)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "succeeded" and shown["helps"], shown
    assert shown["speedup"] >= 5

    client = console_client_for(dave)
    page = client.get(f"/performance/indexsuggestion/{suggestion.pk}/change/")
    assert page.status_code == 200 and "ALTER TABLE" in page.text
    assert "With the index (ms)" in page.text  # the chart of the times before and after
    assert client.get("/performance/querystat/").status_code == 200
    assert client.get("/performance/finding/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_mariadb_is_refused_then_fails_its_check_with_a_clear_message(capsys):
    url = "mysql://root@127.0.0.1:1/shop"
    assert main(["target", "add", "gone", "--kind", "database", "--db-url", url]) == 1
    refused = capsys.readouterr().err
    assert "127.0.0.1:1/shop" in refused and "Traceback" not in refused
    assert main(["target", "add", "gone", "--kind", "database", "--db-url", url, "--no-check"]) == 0
    capsys.readouterr()
    assert main(["perf", "check", "gone"]) != 0
    out = capsys.readouterr()
    assert "127.0.0.1:1/shop" in out.err + out.out and "Traceback" not in out.err + out.out


@pytest.mark.django_db
def test_the_api_lists_a_mariadb_targets_queries_and_findings(
    api_client_for, dave, victor, mariadb_ps_database
):
    build_sales(mariadb_ps_database, lines=20_000)
    run_report(mariadb_ps_database, 120)
    target = targets.add_target(name="sales", kind="database", database_url=mariadb_ps_database)
    services.run_checks(target)
    client = api_client_for(victor)
    queries = client.get("/api/v1/performance/queries/?target=sales").json()
    queries = queries.get("results", queries)
    report = next(q for q in queries if q["tables"] == ["sale_line"])
    assert report["models_used"][0]["name"] == "Sales order lines"
    findings = client.get(
        "/api/v1/performance/findings/?target=sales", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).json()
    findings = findings.get("results", findings)
    assert any(f["check_id"] == "mysql.full_scans" for f in findings)
    queued = api_client_for(dave).post(
        "/api/v1/performance/runs/", {"target": "sales"}, format="json"
    )
    assert queued.status_code == 202
