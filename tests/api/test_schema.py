"""The OpenAPI description is complete enough for a client generator."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_schema_describes_targets_jobs_audit_and_tokens(client, victor):
    client.force_login(victor)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in (
        "/api/v1/targets/",
        "/api/v1/targets/{id}/check/",
        "/api/v1/jobs/",
        "/api/v1/jobs/{id}/cancel/",
        "/api/v1/audit/",
        "/api/v1/tokens/",
        "/api/v1/me/",
    ):
        assert path in paths, path
    schemes = schema["components"]["securitySchemes"].values()
    assert any(scheme.get("scheme") == "bearer" for scheme in schemes)


def test_browsable_api_documentation_is_served_without_internet(client, victor):
    client.force_login(victor)
    page = client.get("/api/schema/ui/").content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr" not in page and "unpkg.com" not in page


def test_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert (tmp_path / "s.yml").stat().st_size > 10_000
