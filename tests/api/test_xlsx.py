"""Every API list also comes as a workbook with ?format=xlsx: the rows of the page asked for,
the same values as the JSON; an error stays a JSON body with its status."""

import io

import pytest
from openpyxl import load_workbook

from erpkeeper.accounts.services import acting_as
from erpkeeper.notifications import services as notifications

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_rows(response) -> list[list]:
    book = load_workbook(io.BytesIO(response.content))
    return [[cell.value for cell in row] for row in book.active.iter_rows()]


@pytest.fixture
def channels(alice):
    with acting_as(alice):
        for name in ("=ops", "duty", "managers"):
            notifications.create_channel(
                name=name,
                kind="wecom",
                secrets={"url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"},
            )


def test_a_list_comes_as_a_workbook_with_the_rows_of_the_json(channels, olga, api_client_for):
    api = api_client_for(olga)
    json_rows = api.get("/api/v1/notification-channels/?limit=2").json()["results"]
    response = api.get("/api/v1/notification-channels/?limit=2&format=xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert 'filename="' in response["Content-Disposition"]
    header, *rows = sheet_rows(response)
    assert header[: len(json_rows[0])] == list(json_rows[0])
    names = [row[header.index("name")] for row in rows]
    assert names == [r["name"] for r in json_rows] and len(names) == 2


def test_a_text_that_looks_like_a_formula_stays_text(channels, olga, api_client_for):
    response = api_client_for(olga).get("/api/v1/notification-channels/?format=xlsx")
    book = load_workbook(io.BytesIO(response.content))
    cells = [cell for row in book.active.iter_rows() for cell in row if cell.value == "=ops"]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_a_bad_filter_with_xlsx_is_still_a_400_json(olga, api_client_for):
    response = api_client_for(olga).get("/api/v1/jobs/?status=nonsense&format=xlsx")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "status" in response.json()


def test_no_permission_with_xlsx_is_still_a_403_json(victor, api_client_for):
    response = api_client_for(victor).get("/api/v1/sign-ins/?format=xlsx")
    assert response.status_code == 403 and "detail" in response.json()
