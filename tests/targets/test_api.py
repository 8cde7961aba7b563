"""/api/v1/targets as a script or another tool uses it."""

import pytest

from erpkeeper.targets.models import Target

pytestmark = pytest.mark.django_db


def test_ops_engineer_adds_a_target_and_gets_its_facts_without_the_password(
    olga, api_client_for, tryton_sqlite_db
):
    client = api_client_for(olga)
    response = client.post(
        "/api/v1/targets/",
        {
            "name": "shop",
            "database_url": tryton_sqlite_db,
            "environment": "staging",
            "rpo_minutes": 30,
            "maintenance_windows": ["sat 23:00 2h UTC"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["last_check_ok"] is True
    assert body["facts"]["counts"]["sales"] > 0
    assert body["maintenance_windows"] == ["sat 23:00 2h UTC"]
    assert "database_url" not in body


def test_bad_input_gets_a_400_json_body_naming_the_field(olga, api_client_for):
    client = api_client_for(olga)
    response = client.post(
        "/api/v1/targets/",
        {"name": "x", "database_url": "ftp://nowhere", "maintenance_windows": ["someday"]},
        format="json",
    )
    assert response.status_code == 400
    assert "database_url" in response.json()
    assert not Target.objects.exists()


def test_unreachable_erp_is_a_422_with_a_one_line_reason(olga, api_client_for):
    client = api_client_for(olga)
    response = client.post(
        "/api/v1/targets/",
        {"name": "pg", "database_url": "postgresql://erp:pw@127.0.0.1:1/tryton"},
        format="json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "unreachable"
    assert "pw@" not in body["detail"] and "\n" not in body["detail"]
    assert not Target.objects.exists()


def test_password_in_url_is_masked_in_every_answer(olga, api_client_for):
    client = api_client_for(olga)
    url = "postgresql://erp:Hidden123@127.0.0.1:1/tryton"
    created = client.post(
        "/api/v1/targets/", {"name": "pg", "database_url": url, "verify": False}, format="json"
    )
    assert created.status_code == 201
    listing = client.get("/api/v1/targets/")
    detail = client.get(f"/api/v1/targets/{created.json()['id']}/")
    for response in (created, listing, detail):
        assert "Hidden123" not in response.content.decode()
    assert detail.json()["database_url_masked"] == "postgresql://erp:********@127.0.0.1:1/tryton"


def test_check_endpoint_reports_facts_or_422(olga, api_client_for, tryton_sqlite_db):
    client = api_client_for(olga)
    target_id = client.post(
        "/api/v1/targets/", {"name": "shop", "database_url": tryton_sqlite_db}, format="json"
    ).json()["id"]
    ok = client.post(f"/api/v1/targets/{target_id}/check/")
    assert ok.status_code == 200 and ok.json()["facts"]["erp_version"].startswith("8.2")
    client.patch(
        f"/api/v1/targets/{target_id}/",
        {"database_url": "postgresql://erp@127.0.0.1:1/gone"},
        format="json",
    )
    failed = client.post(f"/api/v1/targets/{target_id}/check/")
    assert failed.status_code == 422 and failed.json()["reachable"] is False


def test_viewer_can_read_but_not_change_targets(victor, olga, api_client_for):
    api_client_for(olga).post(
        "/api/v1/targets/",
        {"name": "pg", "database_url": "postgresql://e@127.0.0.1:1/x", "verify": False},
        format="json",
    )
    client = api_client_for(victor)
    assert client.get("/api/v1/targets/").status_code == 200
    response = client.post(
        "/api/v1/targets/", {"name": "y", "database_url": "/tmp/y.sqlite"}, format="json"
    )
    assert response.status_code == 403
    assert "detail" in response.json()
    target_id = Target.objects.get().pk
    assert client.delete(f"/api/v1/targets/{target_id}/").status_code == 403


def test_unknown_target_is_a_404_json(olga, api_client_for):
    response = api_client_for(olga).get("/api/v1/targets/9999/")
    assert response.status_code == 404 and "detail" in response.json()


def test_anonymous_requests_are_refused_with_401(client):
    response = client.get("/api/v1/targets/")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_the_reason_comes_in_the_users_language(olga, api_client_for):
    from erpkeeper.accounts.services import set_language

    set_language(olga, "zh-hans")
    response = api_client_for(olga).post(
        "/api/v1/targets/",
        {"name": "pg", "database_url": "postgresql://e@127.0.0.1:1/x"},
        format="json",
    )
    assert response.status_code == 422
    assert "无法连接" in response.json()["detail"]
