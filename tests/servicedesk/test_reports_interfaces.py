"""The desk's report through its three doors: the console page (charts, period picker, Excel
export) in English and Chinese, ``GET /api/v1/servicedesk/reports/`` and ``erpkeeper ticket
report``, with bad input refused and the report kept to agents, managers and administrators."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from erpkeeper.accounts import services as accounts
from erpkeeper.cli import main
from erpkeeper.servicedesk.models import HelpSearch
from erpkeeper.servicedesk.services import portal
from tests.servicedesk.test_portal import make_portal_user

API = "/api/v1/servicedesk/reports/"
PAGE = "/servicedesk/ticket/reports/"
EXPORT = "/servicedesk/ticket/reports/export/"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


# -- API ------------------------------------------------------------------------------------------


def test_the_api_gives_the_report_of_the_period(history, helen, api_client_for):
    answer = api_client_for(helen).get(API, {**NOVEMBER, "queue": "Helpdesk"})
    assert answer.status_code == 200
    report = answer.json()
    assert report["period"] == {
        "from": "2026-11-01",
        "to": "2026-11-30",
        "queue": "Helpdesk",
        "target": None,
        "group": "day",
    }
    assert sum(row["created"] for row in report["volume"]) == 6
    assert report["reopened"] == {"resolved": 4, "reopened": 1, "percent": 25.0}
    assert report["deflection"]["percent"] is None  # no data, not 0 %


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "tomorrow"}, "to"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "from"),
        ({"queue": "Nobody's queue"}, "queue"),
        ({"group": "year"}, "group"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(desk, helen, api_client_for, query, field):
    answer = api_client_for(helen).get(API, query)
    assert answer.status_code == 400
    assert field in answer.json()


def test_agents_managers_and_administrators_see_reports_others_do_not(
    desk, personas, api_client_for
):
    allowed = {
        name for name in personas if api_client_for(personas[name]).get(API).status_code == 200
    }
    assert allowed == {"alice", "helen", "mark"}


# -- CLI ------------------------------------------------------------------------------------------


def test_the_cli_prints_the_report_as_text_and_json(history, capsys):
    assert main(["ticket", "report", "--from", "2026-11-01", "--to", "2026-11-30"]) == 0
    text = capsys.readouterr().out
    assert "period 2026-11-01 .. 2026-11-30" in text
    assert "reopened 25.0 % (1/4)" in text and "deflection no data (0/0)" in text
    assert main(["ticket", "report", "--from", "2026-11-01", "--to", "2026-11-30", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["first_contact_resolution"]["percent"] == 50.0


def test_the_cli_writes_one_sheet_per_measure(history, tmp_path, capsys):
    target = tmp_path / "desk.xlsx"
    argv = ["ticket", "report", "--from", "2026-11-01", "--to", "2026-11-30", "--xlsx", str(target)]
    assert main(argv) == 0
    assert f"report written to {target}" in capsys.readouterr().out
    book = load_workbook(target)
    assert "SLA attainment" in book.sheetnames and "Agent workload" in book.sheetnames
    rates = {row[0]: row[1:] for row in book["Rates"].iter_rows(min_row=2, values_only=True)}
    assert rates["Reopen rate"] == (1, 4, 25.0)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2026-11-31"], "from: Give a date as YYYY-MM-DD."),
        (["--from", "2026-11-30", "--to", "2026-11-01"], "from: The period starts after it ends."),
        (["--queue", "Nowhere"], "queue: Nothing is named Nowhere."),
    ],
)
def test_the_cli_refuses_bad_input_with_exit_2(desk, capsys, argv, message):
    assert main(["ticket", "report", *argv]) == 2
    assert message in capsys.readouterr().err


def test_the_cli_says_when_the_workbook_cannot_be_written(desk, tmp_path, capsys):
    argv = ["ticket", "report", "--xlsx", str(tmp_path / "missing" / "desk.xlsx")]
    assert main(argv) == 1
    assert "cannot write" in capsys.readouterr().err


# -- console --------------------------------------------------------------------------------------


def test_the_page_shows_charts_and_rates_in_english(history, helen, console_client_for):
    answer = console_client_for(helen).get(PAGE, NOVEMBER)
    assert answer.status_code == 200
    page = answer.content.decode()
    for chart in ("volume", "backlog", "sla", "csat", "categories", "modules", "workload"):
        assert f'data-testid="chart-{chart}"' in page, chart
    assert page.count('class="chart"') == 7
    assert "Reports" in page and "Export to Excel" in page
    assert "25.0 %" in page  # the reopen rate
    assert 'data-testid="no-data"' in page  # the deflection rate: nothing suggested yet
    assert "Too slow" in page  # the latest CSAT comments
    assert "/servicedesk/ticket/reports/export/?from=2026-11-01&amp;to=2026-11-30" in page


def test_the_page_renders_in_chinese(history, helen, console_client_for):
    accounts.set_language(helen, "zh-hans")
    page = console_client_for(helen).get(PAGE, NOVEMBER).content.decode()
    assert '<html lang="zh-hans"' in page
    assert page.count('class="chart"') == 7
    assert "服务台" in page  # the sidebar, in Chinese
    assert "P1 紧急" in page  # the priorities of the SLA table


def test_a_bad_period_on_the_page_is_said_and_the_default_shown(desk, helen, console_client_for):
    page = console_client_for(helen).get(PAGE, {"from": "someday"}).content.decode()
    assert "from: Give a date as YYYY-MM-DD." in page
    assert page.count('class="chart"') >= 2


def test_the_page_exports_the_workbook(history, helen, console_client_for):
    answer = console_client_for(helen).get(EXPORT, NOVEMBER)
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith('attachment; filename="servicedesk-report-')
    book = load_workbook(io.BytesIO(answer.content))
    assert len(book.sheetnames) == 10
    volume = list(book["Ticket volume"].iter_rows(values_only=True))
    assert volume[0] == ("Day", "Created", "Resolved") and len(volume) == 31


def test_the_page_and_its_link_are_kept_from_other_roles(desk, olga, victor, console_client_for):
    for user in (olga, victor):
        client = console_client_for(user)
        assert client.get(PAGE).status_code == 403
        assert client.get(EXPORT).status_code == 403
        assert PAGE not in client.get("/").content.decode()


def test_the_page_and_the_cli_make_a_pdf_of_the_tables(
    history, helen, console_client_for, tmp_path
):
    answer = console_client_for(helen).get("/servicedesk/ticket/reports/pdf/", NOVEMBER)
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    target = tmp_path / "desk.pdf"
    argv = ["ticket", "report", "--from", "2026-11-01", "--to", "2026-11-30", "--pdf", str(target)]
    assert main(argv) == 0
    assert target.read_bytes().startswith(b"%PDF")


# -- the portal records what deflection counts -----------------------------------------------------


def test_the_portal_records_visits_with_suggestions_and_the_ticket_that_followed(desk, monkeypatch):
    user = make_portal_user("paula")
    client = Client()
    client.force_login(user)
    suggest = reverse("portal:suggest")
    # Nothing suggested (the knowledge base is not there): nothing recorded.
    client.get(suggest, {"q": "invoice"})
    assert HelpSearch.objects.count() == 0
    # A knowledge base that suggests: one visit, however long the typing.
    articles = [{"title": "Closing a period", "url": "/kb/1/"}]
    monkeypatch.setattr(portal, "suggest_articles", lambda text: articles)
    client.get(suggest, {"q": "invoice"})
    client.get(suggest, {"q": "invoice will not post"})
    search = HelpSearch.objects.get()
    assert (search.query, search.suggestions, search.ticket) == ("invoice will not post", 1, None)
    client.post(
        reverse("portal:ticket-new"),
        {
            "subject": "Invoice will not post",
            "category": "error",
            "erp_module": "account",
            "target": "",
            "impact": "low",
            "urgency": "medium",
            "body": "The period is closed.",
        },
    )
    search.refresh_from_db()
    assert search.ticket is not None and search.ticket.requester == user


def test_the_cli_acting_as_a_user_needs_their_permission(desk, victor, helen, capsys):
    assert main(["--as", "victor", "ticket", "report"]) == 2
    assert "victor may not view the desk's reports" in capsys.readouterr().err
    assert main(["--as", "helen", "ticket", "report", "--json"]) == 0
