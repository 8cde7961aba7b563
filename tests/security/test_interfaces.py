"""The security commands and API as a new user tries them: exit codes, --json, 202 jobs."""

from __future__ import annotations

import json

import pytest

from erpkeeper.cli import main
from erpkeeper.security.models import RuleSet
from erpkeeper.targets.services import add_target
from tests.security.helpers import shipped_text

pytestmark = pytest.mark.django_db(transaction=True)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def shop(tryton_sqlite_db):
    return add_target(name="shop", database_url=tryton_sqlite_db)


def test_snapshot_then_conflicts_with_paths(capsys, shop):
    code, out, err = run(capsys, "security", "snapshot", "shop")
    assert code == 0, err
    code, out, err = run(capsys, "security", "conflicts", "shop", "--user", "zhou.qiang")
    assert code == 0, err
    assert "zhou.qiang  P2P-02  high" in out
    assert "purchase.purchase ▸ confirm via Purchase ← role Buyer" in out
    assert "account.invoice ▸ post via Accounting ← role Accountant" in out
    code, out, err = run(capsys, "--json", "security", "conflicts", "shop")
    data = json.loads(out)
    assert data["administrators"][0]["login"] == "admin"
    assert "zhou.qiang" in data["matrix"] and data["roles"]


def test_missing_things_have_exit_codes(capsys, shop, tmp_path):
    assert run(capsys, "security", "conflicts", "nowhere")[0] == 3
    code, _out, err = run(capsys, "security", "conflicts", "shop")
    assert code == 3 and "no access snapshot yet" in err
    run(capsys, "security", "snapshot", "shop")
    assert (
        run(capsys, "security", "simulate", "shop", "--user", "ghost", "--add-group", "x")[0] == 3
    )
    code, _out, err = run(capsys, "security", "diff", "shop")
    assert code == 3 and "only one snapshot" in err


def test_simulate_and_diff(capsys, shop):
    run(capsys, "security", "snapshot", "shop")
    code, out, err = run(
        capsys,
        "--json",
        "security",
        "simulate",
        "shop",
        "--user",
        "liu.yang",
        "--add-group",
        "Purchase",
    )
    assert code == 0, err
    assert [c["risk"] for c in json.loads(out)["introduced"]] == ["P2P-03"]
    run(capsys, "security", "snapshot", "shop")
    code, out, err = run(capsys, "security", "diff", "shop")
    assert code == 0 and "no change" in out


def test_a_snapshot_of_an_unreachable_target_fails(capsys, shop, tmp_path):
    shop.set_database_url(f"sqlite:///{tmp_path}/gone.sqlite")
    shop.save()
    code, _out, err = run(capsys, "security", "snapshot", "shop")
    assert code == 1
    code, out, _err = run(capsys, "--json", "security", "snapshots", "shop")
    assert json.loads(out)[0]["status"] == "failed"


def test_ruleset_validate_and_load(capsys, tmp_path):
    good = tmp_path / "rules.yaml"
    good.write_text(shipped_text().replace("version: 1", "version: 2"), encoding="utf-8")
    code, out, _err = run(capsys, "security", "ruleset", "validate", str(good))
    assert code == 0 and "valid: tryton-standard v2" in out
    assert run(capsys, "security", "ruleset", "load", str(good))[0] == 0
    assert RuleSet.objects.get().version == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("ruleset: x\nversion: 1\nfunctions: {}\nrisks: {}\nextra: 1\n")
    code, _out, err = run(capsys, "security", "ruleset", "validate", str(bad))
    assert code == 2
    assert f"{bad}: extra: unknown key" in err and f"{bad}: functions: expected" in err
    older = tmp_path / "older.yaml"
    older.write_text(shipped_text(), encoding="utf-8")
    code, _out, err = run(capsys, "security", "ruleset", "load", str(older))
    assert code == 2 and "older version 1" in err
    assert run(capsys, "security", "ruleset", "validate", str(tmp_path / "none.yaml"))[0] == 2


def test_api_snapshot_conflicts_and_simulation(shop, personas, api_client_for):
    from erpkeeper.security import services  # the job runs here: no worker in tests

    client = api_client_for(personas["sam"])
    response = client.post("/api/v1/security/snapshots/", {"target": "shop"}, format="json")
    assert response.status_code == 202
    snapshot = services.take_snapshot(shop)
    response = client.get(f"/api/v1/security/snapshots/{snapshot.pk}/conflicts/?user=zhou.qiang")
    assert response.status_code == 200
    risks = {c["risk"]: c for c in response.json()["conflicts"]}
    assert {"group": "Purchase", "role": "Buyer"} in risks["P2P-02"]["sides"][0]["grants"][0]["via"]
    response = client.post(
        "/api/v1/security/snapshots/simulate/",
        {"target": "shop", "user": "liu.yang", "add_group": "purchase.group_purchase"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["introduced"][0]["risk"] == "P2P-03"
    response = client.post("/api/v1/security/rulesets/validate/", {"text": "a: ["}, format="json")
    assert response.status_code == 400 and "not valid YAML" in response.json()["errors"][0]
    viewer = api_client_for(personas["victor"])
    assert (
        viewer.post("/api/v1/security/snapshots/", {"target": "shop"}, format="json").status_code
        == 403
    )
