"""Console-wide details: breadcrumbs show names as typed, empty lists say so plainly."""

import pytest
from django.urls import reverse

from erpkeeper.targets import services as targets
from tests.fixtures.two_factor import force_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_target(tmp_path):
    return targets.add_target(
        name="demo-tryton", database_url=f"sqlite:///{tmp_path / 'erp.sqlite'}", verify=False
    )


def test_breadcrumbs_show_an_objects_name_as_typed(olga, demo_target, console_client_for):
    url = reverse("admin:targets_target_change", args=[demo_target.pk])
    html = console_client_for(olga).get(url).content.decode()
    assert "Demo-tryton" not in html
    assert "demo-tryton" in html
    assert "Targets" in html  # the list's crumb still starts with a capital


def test_an_empty_list_says_nothing_is_here_yet(olga, console_client_for):
    html = console_client_for(olga).get(reverse("admin:targets_target_changelist")).content
    text = " ".join(html.decode().split())
    assert "yielded" not in text
    assert "Nothing here yet." in text


def test_an_empty_filtered_list_says_nothing_matches(olga, demo_target, console_client_for):
    url = reverse("admin:targets_target_changelist") + "?q=no-such-target"
    text = " ".join(console_client_for(olga).get(url).content.decode().split())
    assert "Nothing matches these filters." in text
    assert "Reset filters" in text


def test_evidence_pages_offer_no_add_edit_or_delete_to_anyone(alice, client):
    from erpkeeper.accounts.models import LoginRecord
    from erpkeeper.backups.models import Backup, Drill, Restore
    from erpkeeper.core.models import AuditEntry
    from erpkeeper.notifications.models import Delivery

    force_login(client, alice)  # even the administrator
    for model in (Backup, Drill, Restore, Delivery, AuditEntry, LoginRecord):
        label = f"{model._meta.app_label}/{model._meta.model_name}"
        listing = client.get(f"/{label}/")
        assert listing.status_code == 200, label
        assert f'href="/{label}/add/"' not in listing.content.decode(), label
        assert client.get(f"/{label}/add/").status_code == 403, label
