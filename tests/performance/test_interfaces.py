"""The advisor through the API, the CLI and the console, as the personas use it."""

import json

import pytest

from erpkeeper.cli import main
from erpkeeper.core.models import Job
from erpkeeper.performance import services
from erpkeeper.performance.models import Finding, IndexSuggestion
from tests.fixtures.workload import grow_stock_moves, report_query


@pytest.fixture
def checked_target(sqlite_backup_target):
    grow_stock_moves(sqlite_backup_target.database_url, 20_000)
    services.run_checks(sqlite_backup_target)
    return sqlite_backup_target


@pytest.mark.django_db
def test_dba_queues_checks_and_a_viewer_cannot(api_client_for, dave, victor, checked_target):
    response = api_client_for(dave).post(
        "/api/v1/performance/runs/", {"target": "shop"}, format="json"
    )
    assert response.status_code == 202, response.content
    assert Job.objects.get(pk=response.json()["id"]).kind == "performance.check"
    denied = api_client_for(victor).post(
        "/api/v1/performance/runs/", {"target": "shop"}, format="json"
    )
    assert denied.status_code == 403
    unknown = api_client_for(dave).post(
        "/api/v1/performance/runs/", {"target": "nope"}, format="json"
    )
    assert unknown.status_code == 400 and "target" in unknown.json()


@pytest.mark.django_db
def test_findings_read_in_the_readers_language_and_are_accepted(
    api_client_for, dave, victor, checked_target
):
    client = api_client_for(victor)
    rows = client.get("/api/v1/performance/findings/?target=shop&severity=warning").json()
    rows = rows.get("results", rows)
    scan = next(r for r in rows if r["check_id"] == "sqlite.frequent_queries")
    assert scan["title"] and "stock_move" in scan["explanation"] and scan["advice"]
    zh = client.get(f"/api/v1/performance/findings/{scan['id']}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 200

    dba = api_client_for(dave)
    refused = dba.post(
        f"/api/v1/performance/findings/{scan['id']}/accept/", {"reason": ""}, format="json"
    )
    assert refused.status_code == 400
    accepted = dba.post(
        f"/api/v1/performance/findings/{scan['id']}/accept/",
        {"reason": "index planned", "until": "2999-01-01T00:00:00Z"},
        format="json",
    )
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    bad_filter = client.get("/api/v1/performance/findings/?severity=huge")
    assert bad_filter.status_code == 400


@pytest.mark.django_db
def test_suggestions_advise_and_prove_through_the_api(api_client_for, dave, checked_target):
    client = api_client_for(dave)
    query = report_query(checked_target.database_url)
    advised = client.post(
        "/api/v1/performance/suggestions/", {"target": "shop", "sql": query}, format="json"
    )
    assert advised.status_code == 200, advised.content
    assert advised.json()[0]["columns"] == ["product", "effective_date"]
    write = client.post(
        "/api/v1/performance/suggestions/",
        {"target": "shop", "sql": "DELETE FROM stock_move"},
        format="json",
    )
    assert write.status_code == 422 and "SELECT" in write.json()["detail"]
    suggestion_id = advised.json()[0]["id"]
    proving = client.post(f"/api/v1/performance/suggestions/{suggestion_id}/prove/")
    assert proving.status_code == 202
    assert Job.objects.get(pk=proving.json()["id"]).params == {"suggestion_id": suggestion_id}
    queries = client.get("/api/v1/performance/queries/?target=shop").json()
    queries = queries.get("results", queries)
    assert any(q["models_used"][0]["model"] == "stock.move" for q in queries if q["models_used"])


@pytest.mark.django_db(transaction=True)
def test_cli_check_findings_queries_and_prove(capsys, sqlite_backup_target):
    grow_stock_moves(sqlite_backup_target.database_url, 20_000)
    assert main(["perf", "check", "shop"]) == 0
    capsys.readouterr()
    assert main(["--json", "perf", "findings", "shop"]) == 0
    findings = json.loads(capsys.readouterr().out)
    assert {f["check"] for f in findings} >= {"sqlite.statistics", "sqlite.frequent_queries"}
    assert main(["--json", "perf", "queries", "shop"]) == 0
    assert json.loads(capsys.readouterr().out)
    suggestion = IndexSuggestion.objects.get(table="stock_move")
    assert main(["backup", "run", "shop"]) == 0
    assert main(["perf", "prove", str(suggestion.pk)]) == 0
    capsys.readouterr()
    proof = suggestion.proofs.get()
    assert proof.status == "succeeded", proof.error
    assert main(["--json", "perf", "proof", str(proof.pk)]) == 0
    assert json.loads(capsys.readouterr().out)["speedup"] > 1
    assert main(["perf", "prove", "999999"]) == 3
    finding = Finding.objects.filter(check_id="sqlite.statistics").get()
    assert main(["perf", "accept", str(finding.pk), "--reason", "quiet window friday"]) == 0


@pytest.mark.django_db
def test_console_pages_show_findings_and_the_proof_chart(console_client_for, dave, checked_target):
    client = console_client_for(dave)
    assert client.get("/performance/finding/").status_code == 200
    finding = Finding.objects.filter(target=checked_target).first()
    page = client.get(f"/performance/finding/{finding.pk}/change/")
    assert page.status_code == 200 and services.finding_title(finding) in page.text
    assert client.get("/performance/querystat/").status_code == 200
    suggestion = IndexSuggestion.objects.first()
    page = client.get(f"/performance/indexsuggestion/{suggestion.pk}/change/")
    assert page.status_code == 200 and suggestion.ddl.split(" ")[0] in page.text
    assert client.get("/performance/checkrun/").status_code == 200
    assert client.get("/").status_code == 200
