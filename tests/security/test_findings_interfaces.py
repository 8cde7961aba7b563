"""Risky accounts and security checks through the CLI and the API, as a new user tries them:
--json, exit codes, 202 jobs, 400 on a bad acceptance, 403 for a viewer."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from django.utils import timezone

from erpkeeper.cli import main
from erpkeeper.security import services
from erpkeeper.security.models import Finding
from erpkeeper.targets.services import add_target
from tests.security.helpers import db_path, write

pytestmark = pytest.mark.django_db(transaction=True)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def shop(tryton_sqlite_db):
    return add_target(name="shop", database_url=tryton_sqlite_db)


def test_accounts_and_accept_from_the_cli(capsys, shop, tryton_sqlite_db):
    write(tryton_sqlite_db, "DELETE FROM ir_session WHERE create_uid = 13")  # xu.jing
    services.take_snapshot(shop)
    code, out, err = run(capsys, "--json", "security", "accounts", "shop")
    assert code == 0, err
    rows = {(row["kind"], row["subject"]): row for row in json.loads(out)}
    never = rows["never_logged_in", "xu.jing"]
    assert never["state"] == "open"
    code, _out, err = run(
        capsys, "security", "accept", str(never["id"]), "--reason", "x", "--until", "2000-01-01"
    )
    assert code == 2 and "later date" in err
    until = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    code, out, err = run(
        capsys, "security", "accept", str(never["id"]), "--reason", "new hire", "--until", until
    )
    assert code == 0 and "accepted" in out
    assert run(capsys, "security", "accounts", "nowhere")[0] == 3


def test_check_from_the_cli(capsys, shop, tryton_sqlite_db):
    os.chmod(db_path(tryton_sqlite_db), 0o644)
    code, out, err = run(capsys, "security", "check", "shop")
    assert code == 0, err
    assert "fail    SQLITE-FILE-MODE" in out and "score" in out
    code, out, err = run(capsys, "--json", "security", "check-runs", "shop")
    assert json.loads(out)[0]["score"] < 100
    code, out, err = run(capsys, "--json", "security", "findings", "shop")
    assert "SQLITE-FILE-MODE" in {row["check"] for row in json.loads(out)}


def test_check_of_an_unreachable_target_fails_cleanly(capsys, shop, tryton_sqlite_db):
    os.unlink(db_path(tryton_sqlite_db))
    code, _out, err = run(capsys, "security", "check", "shop")
    assert code == 1 and "does not exist" in err and "Traceback" not in err


def test_api_findings_accept_and_check_runs(shop, tryton_sqlite_db, personas, api_client_for):
    write(tryton_sqlite_db, "DELETE FROM ir_session WHERE create_uid = 13")
    services.take_snapshot(shop)
    services.run_checks(shop)
    client = api_client_for(personas["sam"])
    response = client.get("/api/v1/security/findings/?target=shop&kind=never_logged_in")
    assert response.status_code == 200
    found = response.json()["results"]
    assert [f["subject"] for f in found] == ["xu.jing"]
    url = f"/api/v1/security/findings/{found[0]['id']}/accept/"
    assert (
        client.post(url, {"reason": "", "expires": "2000-01-01"}, format="json").status_code == 400
    )
    until = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = client.post(url, {"reason": "new hire", "expires": until}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "accepted"
    assert Finding.objects.get(pk=found[0]["id"]).accepted_by == personas["sam"].username
    response = client.get("/api/v1/security/check-runs/?target=shop")
    run_id = response.json()["results"][0]["id"]
    detail = client.get(f"/api/v1/security/check-runs/{run_id}/").json()
    admin = next(r for r in detail["results"] if r["id"] == "TRYTON-ADMIN")
    assert admin["status"] == "fail" and admin["advice"]
    response = client.post("/api/v1/security/check-runs/", {"target": "shop"}, format="json")
    assert response.status_code == 202
    assert (
        client.post("/api/v1/security/check-runs/", {"target": "x"}, format="json").status_code
        == 400
    )
    viewer = api_client_for(personas["victor"])
    assert viewer.post(url, {"reason": "r", "expires": until}, format="json").status_code == 403


def test_an_erp_without_employees_says_so(capsys, shop, tryton_sqlite_db):
    write(tryton_sqlite_db, 'DROP TABLE "res_user-company_employee"', "DROP TABLE company_employee")
    snapshot = services.take_snapshot(shop)
    assert snapshot.status == "succeeded"
    assert "not available here" in snapshot.summary["account_notes"][0]
    code, out, _err = run(capsys, "security", "accounts", "shop")
    assert code == 0 and "note: Employees' end dates: not available here" in out


def test_api_bad_filters_are_400(shop, personas, api_client_for):
    client = api_client_for(personas["sam"])
    assert client.get("/api/v1/security/findings/?state=bogus").status_code == 400
    assert client.get("/api/v1/security/check-runs/?status=bogus").status_code == 400
