"""Every answer under /api/ is JSON, and the schema is private unless the operator opens it."""

import pytest


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_api_path_without_its_slash_is_redirected_to_it_keeping_the_method(
    api_client_for, olga, method
):
    response = getattr(api_client_for(olga), method)("/api/v1/targets?limit=2")
    assert response.status_code == 308
    assert response["Location"] == "/api/v1/targets/?limit=2"
    assert response.json()["detail"] == "API paths end with a slash: /api/v1/targets/"


def test_a_post_without_the_slash_from_a_console_session_gets_json_not_a_csrf_page(
    console_client_for, olga
):
    client = console_client_for(olga)
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/v1/targets", {"name": "x"})
    assert response.status_code == 308
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v2/targets/", "/api", "/api/"])
def test_an_unknown_api_path_is_a_json_404_not_the_console_login(api_client_for, olga, path):
    response = api_client_for(olga).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "not_found"


def test_an_unknown_api_path_is_a_json_404_for_anonymous_callers_too(client, db):
    response = client.post("/api/v1/nothing-here/")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_the_schema_needs_a_signed_in_user_by_default(client, victor):
    schema = client.get("/api/schema/")
    assert schema.status_code in (401, 403) and b"Authentication credentials" in schema.content
    ui = client.get("/api/schema/ui/")
    assert ui.status_code == 302 and ui["Location"].startswith("/login/")
    client.force_login(victor)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/schema/ui/").status_code == 200


def test_the_schema_is_public_when_the_operator_opens_it(client, db, settings):
    settings.ERPKEEPER_API_SCHEMA_PUBLIC = True
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/schema/redoc/").status_code == 200
