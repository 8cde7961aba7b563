"""The RACI matrix: twenty areas, one Accountable per area, as a grid in the console, an
Excel export, the API and the CLI."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from erpkeeper.accounts.teams import services
from erpkeeper.accounts.teams.models import Area, RaciAssignment
from erpkeeper.cli import EXIT_OK, EXIT_USAGE, main

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams(olga):
    return services.create_team(name="Ops", lead=olga), services.create_team(name="DBA")


def test_the_matrix_has_the_twenty_areas_as_rows(teams):
    matrix = services.raci_matrix()
    assert len(matrix.rows) == 20 == len(Area.values)
    assert [str(holder) for _key, holder in matrix.columns] == ["DBA", "Ops"]
    assert matrix.without_accountable == Area.values


def test_a_second_accountable_is_refused_naming_the_first(teams):
    ops, dba = teams
    services.set_raci("backup", ops, "A")
    with pytest.raises(ValidationError) as caught:
        services.set_raci("backup", dba, "A")
    assert "already has an Accountable: Ops" in str(caught.value)
    services.set_raci("backup", dba, "R")
    services.set_raci("backup", ops, "A")  # setting the same cell again is fine
    assert services.accountable_for("backup") == ops
    assert "backup" not in services.raci_matrix().without_accountable


def test_a_person_may_hold_a_cell_of_their_own_and_a_dash_clears_it(teams, sam):
    services.set_raci("compliance", sam, "A")
    assert services.accountable_for("compliance") == sam
    services.set_raci("compliance", sam, "-")
    assert not RaciAssignment.objects.filter(area="compliance").exists()


def test_unknown_areas_and_letters_are_refused(teams):
    ops, _dba = teams
    with pytest.raises(ValidationError, match="Unknown area"):
        services.set_raci("coffee", ops, "R")
    with pytest.raises(ValidationError, match="R, A, C or I"):
        services.set_raci("backup", ops, "X")


def test_a_manager_edits_the_grid_in_the_console_and_a_viewer_only_reads_it(
    teams, mark, victor, console_client_for
):
    ops, dba = teams
    manager = console_client_for(mark)
    page = manager.get("/accounts/raciassignment/matrix/")
    assert page.status_code == 200 and 'name="cell:backup:team:' in page.content.decode()
    response = manager.post(
        "/accounts/raciassignment/matrix/",
        {f"cell:backup:team:{ops.pk}": "A", f"cell:backup:team:{dba.pk}": "A"},
        follow=True,
    )
    text = response.content.decode()
    assert "already has an Accountable" in text
    assert services.accountable_for("backup") in (ops, dba)
    viewer = console_client_for(victor).get("/accounts/raciassignment/matrix/")
    assert viewer.status_code == 200 and "<select" not in viewer.content.decode()
    refused = console_client_for(victor).post(
        "/accounts/raciassignment/matrix/", {f"cell:backup:team:{ops.pk}": "R"}
    )
    assert refused.status_code == 403


def test_the_grid_exports_to_excel(teams, mark, console_client_for):
    ops, _dba = teams
    services.set_raci("monitoring", ops, "R")
    response = console_client_for(mark).get("/accounts/raciassignment/matrix/?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:2] == ("area", "label")
    monitoring = next(row for row in rows if row[0] == "monitoring")
    assert "R" in monitoring


def test_the_api_sets_a_cell_and_answers_a_second_accountable_with_a_400(
    teams, mark, victor, api_client_for
):
    client = api_client_for(mark)
    ok = client.post("/api/v1/raci/set/", {"area": "risks", "team": "Ops", "letter": "A"})
    assert ok.status_code == 200 and ok.json()["letter"] == "A"
    second = client.post("/api/v1/raci/set/", {"area": "risks", "team": "DBA", "letter": "A"})
    assert second.status_code == 400 and "already has an Accountable" in str(second.json())
    matrix = api_client_for(victor).get("/api/v1/raci/").json()
    risks = next(row for row in matrix["results"] if row["area"] == "risks")
    assert risks["Ops"] == "A" and "risks" not in matrix["without_accountable"]
    refused = api_client_for(victor).post(
        "/api/v1/raci/set/", {"area": "risks", "team": "Ops", "letter": "R"}
    )
    assert refused.status_code == 403


def test_the_cli_shows_and_sets_the_matrix(teams, capsys):
    assert main(["raci", "set", "backup", "Ops", "A"]) == EXIT_OK
    assert main(["raci", "set", "backup", "DBA", "A"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "already has an Accountable: Ops" in err
    assert main(["--json", "raci", "show"]) == EXIT_OK
    rows = json.loads(capsys.readouterr().out)
    assert next(r for r in rows if r["area"] == "backup")["Ops"] == "A"
