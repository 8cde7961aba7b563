"""The knowledge reports: article views, helpfulness, searches that found nothing (the term
only, never who searched), the deflection rate (the desk's own figure), course completion per
platform role and per ERP group, overdue courses; console, API, XLSX and CLI."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from erpkeeper.cli import main
from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import AssignmentKind, Enrolment, SearchMiss
from erpkeeper.lib.roles import Role
from erpkeeper.servicedesk.models import HelpSearch
from erpkeeper.servicedesk.services import reports as desk_reports
from tests.knowledge.training import read_all, right_answers

pytestmark = pytest.mark.django_db


def _period():
    return services.parse_period()


def test_portal_reads_count_as_views_and_searches_without_a_result_keep_only_the_term(
    paula, client, posting_invoices
):
    client.force_login(paula)
    client.get(f"/portal/help/{posting_invoices.pk}/")
    client.get(f"/portal/help/{posting_invoices.pk}/")
    client.get("/portal/help/", {"q": "  Credit NOTE  "})
    client.get("/portal/help/", {"q": "credit note"})
    client.get("/portal/help/", {"q": "supplier invoices"})  # found: not kept
    report = services.knowledge_report(_period())
    assert report["views"]["total"] == 2
    assert report["views"]["top"][0]["title"] == "Posting supplier invoices"
    assert [(m["term"], m["count"]) for m in report["search_misses"]] == [("credit note", 2)]
    fields = {f.name for f in SearchMiss._meta.get_fields()}
    assert fields == {"id", "term", "count", "last_searched"}  # nobody's name, address or session


def test_the_deflection_rate_is_the_desks_own(paula, posting_invoices):
    now = timezone.now()
    old = now - dt.timedelta(hours=2)
    HelpSearch.objects.create(user=paula, query="发票", suggestions=3, created=old, last_shown=old)
    HelpSearch.objects.create(
        user=paula, query="invoice", suggestions=2, created=old, last_shown=old
    )
    services.record_suggestion_read(posting_invoices, paula)
    period = _period()
    ours = services.knowledge_report(period)["deflection"]
    theirs = desk_reports.desk_report(period)["deflection"]
    assert ours["percent"] == theirs["percent"] == 100.0
    assert ours["searches"] == theirs["searches"] == 2 and ours["suggestion_reads"] == 1


def test_completion_per_role_and_per_erp_group_and_the_overdue(course, shop, accountants, helen):
    sun, _zhao = accountants
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    services.assign_course(
        course, kind=AssignmentKind.ERP_GROUP, target=shop, erp_group="Accounting",
        due_date=yesterday,
    )  # fmt: skip
    services.assign_course(course, kind=AssignmentKind.ROLE, role=Role.HELPDESK_AGENT)
    enrolment = Enrolment.objects.get(user=sun)
    read_all(enrolment)
    services.submit_attempt(enrolment, right_answers(enrolment))
    report = services.knowledge_report(_period())
    groups = {r["name"]: r for r in report["completion_by_erp_group"]}
    assert groups["Accounting"] | {} == {
        "name": "Accounting", "assigned": 2, "completed": 1, "percent": 50.0, "overdue": 1,
    }  # fmt: skip
    roles = {r["name"]: (r["assigned"], r["completed"]) for r in report["completion_by_role"]}
    assert roles == {"Helpdesk agent": (1, 0), "Portal user": (2, 1)}
    assert [r["user"] for r in report["overdue"]] == ["zhaomin"]


def test_the_report_through_the_api_the_workbook_and_the_cli(
    mark, victor, api_client_for, capsys, tmp_path
):
    services.record_search("凭证 打印", 0)
    response = api_client_for(mark).get("/api/v1/knowledge/reports/")
    assert (
        response.status_code == 200 and response.json()["search_misses"][0]["term"] == "凭证 打印"
    )
    assert api_client_for(mark).get("/api/v1/knowledge/reports/", {"from": "x"}).status_code == 400
    book = api_client_for(mark).get("/api/v1/knowledge/reports/", {"xlsx": "1"})
    sheets = load_workbook(io.BytesIO(book.content)).sheetnames
    assert "No result" in sheets and "Completion per role" in sheets
    assert main(["--json", "kb", "report"]) == 0
    assert json.loads(capsys.readouterr().out)["search_misses"][0]["term"] == "凭证 打印"
    target = tmp_path / "report.xlsx"
    assert main(["kb", "report", "--xlsx", str(target)]) == 0 and target.exists()
    assert main(["kb", "report", "--from", "yesterday"]) == 2


def test_the_console_report_page_draws_its_charts(mark, console_client_for):
    page = console_client_for(mark).get("/knowledge/article/reports/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="chart-views"' in html
    assert 'data-testid="chart-completion"' in html
    export = console_client_for(mark).get("/knowledge/article/reports/export/")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
