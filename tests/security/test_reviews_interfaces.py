"""Access review campaigns through the API and the CLI, as a new user tries them: a campaign
created, launched, decided by its reviewer, closed and exported; 400 and exit 2 for a revoke
without a comment, 403/404 and exit 2 for someone who is not the reviewer."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from erpkeeper.accounts import services as accounts
from erpkeeper.cli import main
from erpkeeper.core.audit.verify import verify
from erpkeeper.core.models import AuditEntry
from erpkeeper.security import services
from erpkeeper.security.models import Campaign, RemediationState
from erpkeeper.security.services.review_export import render_evidence
from erpkeeper.targets.services import add_target

pytestmark = pytest.mark.django_db(transaction=True)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def shop(tryton_sqlite_db):
    target = add_target(name="shop", database_url=tryton_sqlite_db)
    services.take_snapshot(target)
    return target


def deadline(days: int = 14) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_the_api_runs_a_campaign_and_a_reviewer_decides_only_their_items(
    shop, personas, api_client_for
):
    auditor = api_client_for(personas["sam"])
    created = auditor.post(
        "/api/v1/security/campaigns/",
        {
            "name": "Buyers",
            "targets": ["shop"],
            "scope_roles": ["Buyer"],
            "reviewer_mode": "named",
            "default_reviewer": "mark",
            "deadline": deadline(),
            "reminder_days": "7,1",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    campaign = created.json()
    assert campaign["owner"] == "sam" and campaign["status"] == "draft"
    bad = auditor.patch(
        f"/api/v1/security/campaigns/{campaign['id']}/", {"reminder_days": "soon"}, format="json"
    )
    assert bad.status_code == 400 and "reminder_days" in bad.json()
    launched = auditor.post(f"/api/v1/security/campaigns/{campaign['id']}/launch/", {})
    assert launched.status_code == 200 and launched.json()["status"] == "open"
    assert (
        auditor.post(f"/api/v1/security/campaigns/{campaign['id']}/launch/", {}).status_code == 400
    )

    reviewer = api_client_for(personas["mark"])
    mine = reviewer.get("/api/v1/security/review-items/?mine=true&decision=pending").json()
    assert [i["login"] for i in mine["results"]] == ["zhou.qiang"]
    item = mine["results"][0]
    url = f"/api/v1/security/review-items/{item['id']}/decide/"
    answer = reviewer.post(url, {"decision": "revoke"}, format="json")
    assert answer.status_code == 400 and "comment" in answer.json()
    answer = reviewer.post(url, {"decision": "revoke", "comment": "no longer buys"}, format="json")
    assert answer.status_code == 200 and answer.json()["remediation"] == "requested"
    decided = AuditEntry.objects.filter(
        object_type="security.reviewitem", object_id=str(item["id"]), action="update"
    ).last()
    assert decided.actor_name == "mark" and decided.after["decision"] == "revoke"
    assert AuditEntry.objects.filter(object_type="security.remediationrequest").exists()

    # victor is no reviewer here: he sees none of the items; sam sees them but may not decide.
    assert (
        api_client_for(personas["victor"]).get("/api/v1/security/review-items/").json()["count"]
        == 0
    )
    assert api_client_for(personas["victor"]).post(url, {"decision": "keep"}).status_code == 404
    assert auditor.post(url, {"decision": "keep"}, format="json").status_code == 403

    closed = auditor.post(f"/api/v1/security/campaigns/{campaign['id']}/close/", {})
    assert closed.json()["status"] == "closed"
    assert reviewer.post(url, {"decision": "keep"}, format="json").status_code == 400
    export = auditor.get(f"/api/v1/security/campaigns/{campaign['id']}/export/?as=xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == "zhou.qiang" and rows[1][6] == "no longer buys"
    assert rows[1][-1].endswith(verify().head_hash)


def test_the_pdf_evidence_follows_the_readers_language(shop, personas, api_client_for):
    pytest.importorskip("weasyprint")
    campaign = services.save_campaign(
        Campaign(
            name="All",
            default_reviewer=personas["mark"],
            owner=personas["sam"],
            deadline=timezone.localdate(),
        ),
        [shop],
    )
    services.launch_campaign(campaign)
    accounts.set_language(personas["sam"], "zh-hans")
    response = api_client_for(personas["sam"]).get(
        f"/api/v1/security/campaigns/{campaign.pk}/export/?as=pdf"
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    html = render_evidence(campaign, {"sequence": 1, "hash": "ab" * 32, "intact": True}, "en")
    assert "Access review evidence: All" in html and "ab" * 32 in html


def test_the_cli_creates_launches_decides_and_exports(capsys, shop, personas, tmp_path):
    code, out, err = run(
        capsys,
        "--as",
        "sam",
        "review",
        "campaign",
        "create",
        "Stock review",
        "--target",
        "shop",
        "--groups",
        "Stock",
        "--reviewer",
        "mark",
        "--deadline",
        deadline(),
    )
    assert code == 0, err
    campaign = Campaign.objects.get(name="Stock review")
    code, out, err = run(capsys, "review", "campaign", "launch", str(campaign.pk))
    assert code == 0 and "items to review" in out, err
    code, out, err = run(capsys, "review", "items", "--mine")
    assert code == 2 and "--as" in err
    code, out, err = run(capsys, "--json", "--as", "mark", "review", "items", "--mine")
    items = {row["login"]: row for row in json.loads(out)}
    xu = items["xu.jing"]["id"]
    code, out, err = run(capsys, "--as", "mark", "review", "decide", str(xu), "revoke")
    assert code == 2 and "comment" in err
    code, out, err = run(capsys, "--as", "victor", "review", "decide", str(xu), "keep")
    assert code == 2 and "reviewer" in err
    code, out, err = run(
        capsys, "--as", "mark", "review", "decide", str(xu), "revoke", "--comment", "left"
    )
    assert code == 0, err
    others = [str(row["id"]) for login, row in items.items() if login != "xu.jing"]
    code, out, err = run(capsys, "--as", "mark", "review", "decide", *others, "keep")
    assert code == 0, err
    services.take_snapshot(shop)  # xu.jing still has Stock: not carried out
    code, out, err = run(capsys, "review", "campaign", "show", str(campaign.pk))
    assert "Remove group Stock from xu.jing in shop: not_carried_out" in out
    assert campaign.requests.get().state == RemediationState.NOT_CARRIED_OUT
    code, out, err = run(capsys, "--as", "victor", "review", "campaign", "close", str(campaign.pk))
    assert code == 2 and "may not run" in err
    code, out, err = run(capsys, "review", "campaign", "close", str(campaign.pk))
    assert code == 0, err
    target = tmp_path / "evidence.xlsx"
    code, out, err = run(
        capsys,
        "review",
        "campaign",
        "export",
        str(campaign.pk),
        "--format",
        "xlsx",
        "-o",
        str(target),
    )
    assert code == 0 and target.stat().st_size > 0, err
    anchor = list(load_workbook(target).active.iter_rows(values_only=True))[1][-1]
    code, out, err = run(capsys, "audit", "verify", "--anchor", anchor)
    assert code == 0, out + err  # the exported head is still in the chain, unchanged
    code, out, err = run(capsys, "--json", "review", "campaign", "list")
    assert json.loads(out)[0]["status"] == "closed"
    assert run(capsys, "review", "campaign", "launch", "999")[0] == 3


def test_the_cli_refuses_a_bad_deadline_and_an_unknown_reviewer(capsys, shop, personas):
    base = ["--as", "sam", "review", "campaign", "create", "X", "--target", "shop"]
    code, _out, err = run(capsys, *base, "--reviewer", "mark", "--deadline", "soon")
    assert code == 2 and "not a date" in err
    code, _out, err = run(capsys, *base, "--reviewer", "nobody", "--deadline", deadline())
    assert code == 2 and "nobody" in err and "Traceback" not in err
    assert not Campaign.objects.exists()
