"""The console pages for targets, through Django's test client as a signed-in person."""

import pytest
from django.utils.html import strip_tags

from erpkeeper.targets import services
from erpkeeper.targets.models import Target
from tests.fixtures.two_factor import force_login

pytestmark = pytest.mark.django_db


def test_dashboard_shows_a_card_with_the_erp_facts(client, olga, tryton_sqlite_db):
    services.add_target(name="shop", database_url=tryton_sqlite_db)
    client.force_login(olga)
    page = client.get("/").content.decode()
    assert 'data-testid="target-card"' in page
    assert "shop" in page and "8.2" in page
    assert 'data-state="ok"' in page


def test_unreachable_target_card_turns_red_with_the_reason(client, olga):
    services.add_target(name="pg", database_url="postgresql://e@127.0.0.1:1/x", verify=False)
    services.check_target(Target.objects.get(name="pg"))
    client.force_login(olga)
    page = client.get("/").content.decode()
    assert 'data-state="down"' in page
    assert "127.0.0.1:1" in page


def test_adding_a_target_with_a_bad_url_shows_the_reason_and_saves_nothing(client, olga):
    client.force_login(olga)
    response = client.post(
        "/targets/target/add/",
        {
            "name": "bad",
            "kind": "tryton",
            "environment": "production",
            "database_url": "postgresql://erp@127.0.0.1:1/tryton",
            "rpo_minutes": 60,
            "rto_minutes": 60,
            "verify": "on",
        },
    )
    assert response.status_code == 200
    assert "127.0.0.1:1" in response.content.decode()
    assert not Target.objects.exists()


def test_adding_and_checking_a_target_in_the_console(client, olga, tryton_sqlite_db):
    client.force_login(olga)
    response = client.post(
        "/targets/target/add/",
        {
            "name": "shop",
            "kind": "tryton",
            "environment": "production",
            "database_url": tryton_sqlite_db,
            "rpo_minutes": 60,
            "rto_minutes": 120,
            "windows": "sun 02:00 4h Asia/Shanghai",
            "verify": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target = Target.objects.get(name="shop")
    assert target.last_check_ok is True
    assert [str(w) for w in target.maintenance_windows.all()] == ["sun 02:00 4h Asia/Shanghai"]
    page = client.get(f"/targets/target/{target.pk}/change/").content.decode()
    assert "sale" in page and "8.2" in page
    # The stored URL is never echoed back into the form's password field.
    assert 'name="database_url"' in page and f'value="{tryton_sqlite_db}"' not in page
    checked = client.get(f"/targets/target/{target.pk}/check_now/", follow=True)
    assert "reachable" in checked.content.decode().lower()


def test_viewer_sees_targets_but_cannot_add(client, victor):
    client.force_login(victor)
    assert client.get("/targets/target/").status_code == 200
    assert client.get("/targets/target/add/").status_code == 403


def target_form(name, **extra):
    return {
        "name": name,
        "kind": "tryton",
        "environment": "staging",
        "database_url": "postgresql://erp@127.0.0.1:1/tryton",
        "rpo_minutes": 60,
        "rto_minutes": 120,
        **extra,  # "verify" left out: saved without connecting
    }


def test_adding_a_target_names_it_in_the_success_message(client, alice):
    force_login(client, alice)
    response = client.post("/targets/target/add/", target_form("warehouse"), follow=True)
    assert response.status_code == 200
    text = strip_tags(response.content.decode())  # the name is a link to the target
    assert "The target “warehouse” was added successfully." in text


def test_renaming_a_target_names_the_new_name_in_the_success_message(client, alice):
    force_login(client, alice)
    client.post("/targets/target/add/", target_form("warehouse"))
    target = Target.objects.get(name="warehouse")
    form = target_form("depot")
    del form["kind"]  # read-only once added
    response = client.post(f"/targets/target/{target.pk}/change/", form, follow=True)
    assert response.status_code == 200
    text = strip_tags(response.content.decode())
    assert "The target “depot” was changed successfully." in text
