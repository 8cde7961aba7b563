"""Findings and check runs in the console: badges in the list, the accept dialog, verify now,
the score and its change, who may do what."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.urls import reverse
from django.utils import timezone

from erpkeeper.core.models import Job
from erpkeeper.security import services
from erpkeeper.security.models import Finding
from erpkeeper.targets.services import add_target
from tests.fixtures.two_factor import force_login
from tests.security.helpers import db_path, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(tryton_sqlite_db):
    target = add_target(name="shop", database_url=tryton_sqlite_db)
    write(tryton_sqlite_db, "DELETE FROM ir_session WHERE create_uid = 13")  # xu.jing
    services.take_snapshot(target)
    os.chmod(db_path(tryton_sqlite_db), 0o600)
    services.run_checks(target)
    os.chmod(db_path(tryton_sqlite_db), 0o644)
    services.run_checks(target)
    return target


def test_the_findings_list_shows_badges(client, personas, shop):
    force_login(client, personas["sam"])
    page = client.get(reverse("admin:security_finding_changelist"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Never logged in" in html and "xu.jing" in html
    assert "SQLITE-FILE-MODE" in html and "Open" in html


def test_a_finding_page_and_its_accept_dialog(client, personas, shop):
    finding = Finding.objects.get(subject="xu.jing", kind="never_logged_in")
    force_login(client, personas["sam"])
    page = client.get(reverse("admin:security_finding_change", args=[finding.pk]))
    assert page.status_code == 200
    url = reverse("admin:security_finding_accept", args=[finding.pk])
    until = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    client.post(
        url, {"_form_submitted": "on", "reason": "new hire", "expires": until, "owner": "hr"}
    )
    finding.refresh_from_db()
    assert finding.state == "accepted" and finding.owner == "hr"
    assert finding.accepted_by == personas["sam"].username


def test_verify_now_queues_a_reading(client, personas, shop):
    finding = Finding.objects.get(check_id="SQLITE-FILE-MODE")
    force_login(client, personas["sam"])
    response = client.get(reverse("admin:security_finding_verify", args=[finding.pk]))
    assert response.status_code == 302
    assert Job.objects.filter(kind=services.CHECK_KIND).exists()


def test_a_viewer_may_not_accept(client, personas, shop):
    finding = Finding.objects.get(subject="xu.jing", kind="never_logged_in")
    force_login(client, personas["victor"])
    url = reverse("admin:security_finding_accept", args=[finding.pk])
    assert client.post(url, {"reason": "x", "expires": "2999-01-01"}).status_code == 403
    finding.refresh_from_db()
    assert finding.state == "open"


def test_the_check_runs_list_shows_the_score_and_its_change(client, personas, shop):
    force_login(client, personas["sam"])
    page = client.get(reverse("admin:security_securitycheckrun_changelist"))
    html = page.content.decode()
    assert page.status_code == 200 and "▼10" in html
    run = shop.security_check_runs.order_by("-started").first()
    detail = client.get(reverse("admin:security_securitycheckrun_change", args=[run.pk]))
    assert "SQLITE-FILE-MODE" in detail.content.decode() and "chmod 600" in detail.content.decode()


def test_the_target_page_counts_open_findings_and_shows_the_score(client, personas, shop):
    force_login(client, personas["sam"])
    page = client.get(reverse("admin:targets_target_change", args=[shop.pk]))
    html = page.content.decode()
    assert 'data-testid="security-findings"' in html and "open security findings" in html
    assert "Security score" in html
    listed = client.get(
        reverse("admin:security_finding_changelist")
        + f"?target__id__exact={shop.pk}&state__exact=open"
    )
    assert listed.status_code == 200 and "xu.jing" in listed.content.decode()
