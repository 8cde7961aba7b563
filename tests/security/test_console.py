"""The console pages: a snapshot's conflicts with their paths, the simulation form, who may
take a snapshot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from erpkeeper.security import services
from erpkeeper.security.models import AccessSnapshot
from erpkeeper.targets.services import add_target
from tests.fixtures.two_factor import force_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshot(tryton_sqlite_db):
    return services.take_snapshot(add_target(name="shop", database_url=tryton_sqlite_db))


def test_the_snapshot_page_shows_the_conflict_and_its_path(client, personas, snapshot):
    force_login(client, personas["sam"])
    page = client.get(reverse("admin:security_accesssnapshot_change", args=[snapshot.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-login="zhou.qiang" data-risk="P2P-02"' in html
    assert "Purchase ← role Buyer" in html and "Accounting ← role Accountant" in html
    assert 'data-testid="matrix"' in html and "not applicable here" in html


def test_simulation_form_answers(client, personas, snapshot):
    force_login(client, personas["victor"])  # a viewer may ask: nothing is written
    page = client.post(
        reverse("admin:security_accesssnapshot_simulate"),
        {"target": snapshot.target.pk, "user": "liu.yang", "add_group": "Purchase"},
    )
    assert page.status_code == 200 and "P2P-03" in page.content.decode()


def test_only_who_may_add_snapshots_takes_one(client, personas, snapshot):
    url = reverse("admin:security_accesssnapshot_take", args=[snapshot.target.pk])
    force_login(client, personas["victor"])
    assert client.post(url).status_code == 403
    force_login(client, personas["sam"])
    assert client.post(url).status_code == 302
    assert AccessSnapshot.objects.count() == 1  # queued as a job, not run in the request


def test_the_target_page_has_the_access_line(client, personas, snapshot):
    force_login(client, personas["sam"])
    page = client.get(reverse("admin:targets_target_change", args=[snapshot.target.pk]))
    assert 'data-testid="security-panel"' in page.content.decode()
