"""Mitigating controls and accepted exceptions of SoD risks from the API and the CLI: checked
against the active rule set, dated, audited, and counted by the next conflict report."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from erpkeeper.core.models import AuditEntry
from erpkeeper.security import services
from erpkeeper.security.models import AcceptedException, MitigatingControl
from erpkeeper.security.services.mitigations import add_mitigation
from erpkeeper.targets.services import add_target
from tests.security.test_interfaces import run

pytestmark = pytest.mark.django_db

CONTROLS = "/api/v1/security/mitigations/"
EXCEPTIONS = "/api/v1/security/exceptions/"


@pytest.fixture
def shop(tryton_sqlite_db):
    target = add_target(name="shop", database_url=tryton_sqlite_db)
    services.take_snapshot(target)
    return target


def in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def statuses(client, snapshot_id, login) -> dict:
    url = f"/api/v1/security/snapshots/{snapshot_id}/conflicts/?user={login}"
    return {c["risk"]: c["status"] for c in client.get(url).json()["conflicts"]}


def test_api_a_control_and_an_exception_change_the_conflicts(shop, personas, api_client_for):
    sam = api_client_for(personas["sam"])
    snapshot = services.latest_snapshot(shop)
    assert statuses(sam, snapshot.pk, "zhou.qiang")["P2P-02"] == "open"

    control = {
        "risk": "P2P-02",
        "owner": "Finance controller",
        "description": "Monthly review of every purchase confirmed and invoiced by one person",
        "frequency": "monthly",
        "target": "shop",
    }
    response = sam.post(CONTROLS, control, format="json")
    assert response.status_code == 201, response.json()
    assert statuses(sam, snapshot.pk, "zhou.qiang")["P2P-02"] == "mitigated"

    accepted = {
        "risk": "P2P-02",
        "target": "shop",
        "login": "zhou.qiang",
        "reason": "Only buyer until the new hire in March",
        "expires": in_days(90),
    }
    response = sam.post(EXCEPTIONS, accepted, format="json")
    assert response.status_code == 201 and response.json()["accepted_by"] == "sam"
    assert statuses(sam, snapshot.pk, "zhou.qiang")["P2P-02"] == "accepted"

    listed = sam.get(EXCEPTIONS + "?target=shop&active=true").json()["results"]
    assert [row["login"] for row in listed] == ["zhou.qiang"]
    assert sam.delete(f"{EXCEPTIONS}{listed[0]['id']}/").status_code == 204
    assert statuses(sam, snapshot.pk, "zhou.qiang")["P2P-02"] == "mitigated"
    deleted = AuditEntry.objects.filter(object_type="security.acceptedexception", action="delete")
    assert deleted.get().actor_name == "sam"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"risk": "NOPE-1", "login": "a", "reason": "r", "expires": in_days(5)}, "risk"),
        ({"risk": "P2P-02", "login": "a", "reason": " ", "expires": in_days(5)}, "reason"),
        ({"risk": "P2P-02", "login": "a", "reason": "r", "expires": in_days(-1)}, "expires"),
        ({"risk": "P2P-02", "login": "a", "reason": "r", "expires": in_days(400)}, "expires"),
        ({"risk": "P2P-02", "login": "a", "reason": "r", "expires": "soon"}, "expires"),
    ],
)
def test_api_a_bad_exception_is_a_400_naming_the_field(shop, personas, api_client_for, body, field):
    response = api_client_for(personas["sam"]).post(
        EXCEPTIONS, {**body, "target": "shop"}, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    assert not AcceptedException.objects.exists()


def test_api_viewers_read_but_do_not_add(shop, personas, api_client_for):
    viewer = api_client_for(personas["victor"])
    assert viewer.get(CONTROLS).status_code == 200
    body = {"risk": "P2P-02", "owner": "x", "description": "y", "frequency": "weekly"}
    assert viewer.post(CONTROLS, body, format="json").status_code == 403
    assert not MitigatingControl.objects.exists()


def test_cli_controls_and_exceptions(capsys, shop, personas):
    code, out, err = run(
        capsys,
        "--as",
        "sam",
        "security",
        "mitigation",
        "add",
        "P2P-02",
        "--owner",
        "Finance controller",
        "--description",
        "Monthly review",
        "--frequency",
        "monthly",
    )
    assert code == 0, err
    code, out, err = run(capsys, "--json", "security", "mitigation", "list", "--target", "shop")
    assert json.loads(out)[0]["target"] == "*"  # a control for every target applies to shop
    code, out, err = run(
        capsys,
        "--as",
        "sam",
        "security",
        "exception",
        "add",
        "P2P-02",
        "--target",
        "shop",
        "--login",
        "zhou.qiang",
        "--reason",
        "Covering until March",
        "--expires",
        in_days(30),
    )
    assert code == 0, err
    code, out, err = run(capsys, "security", "conflicts", "shop", "--user", "zhou.qiang")
    assert "accepted" in out
    code, _out, err = run(
        capsys,
        "security",
        "exception",
        "add",
        "P2P-02",
        "--target",
        "shop",
        "--login",
        "x",
        "--reason",
        "r",
        "--expires",
        "tomorrow",
    )
    assert code == 2 and "not a date" in err
    assert run(capsys, "security", "mitigation", "remove", "999")[0] == 3


def test_api_listing_a_targets_controls_includes_those_for_every_target(
    shop, personas, api_client_for
):
    other = add_target(name="warehouse", database_url=shop.database_url)
    common = {"owner": "Controller", "description": "Monthly review", "frequency": "monthly"}
    add_mitigation(risk="P2P-02", target=shop, **common)
    add_mitigation(risk="P2P-02", target=None, **common)
    add_mitigation(risk="P2P-02", target=other, **common)
    sam = api_client_for(personas["sam"])

    listed = sam.get(CONTROLS + "?target=shop").json()["results"]
    by_name = sam.get(CONTROLS + f"?target={shop.pk}&active=true").json()["results"]

    assert sorted(str(row["target"]) for row in listed) == ["None", "shop"]
    assert len(by_name) == 2
