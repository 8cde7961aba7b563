"""Hosts and metrics through the API, the CLI and the console."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from erpkeeper.cli import main
from erpkeeper.monitoring.models import Host, Sample
from erpkeeper.monitoring.services import create_host
from erpkeeper.monitoring.tsdb.ingest import MetricSample, forget_series_ids, ingest
from erpkeeper.monitoring.tsdb.tokens import host_for_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_series_cache():
    forget_series_ids()
    yield
    forget_series_ids()


def samples_for(host, metric="host.cpu.percent", minutes=30):
    now = timezone.now()
    ingest(
        host,
        [
            MetricSample(metric, float(i), now - dt.timedelta(seconds=60 * minutes - 10 * i))
            for i in range(6 * minutes)
        ],
    )


# -- API --------------------------------------------------------------------------------------


def test_ops_engineer_adds_a_host_and_gets_its_token_once(olga, api_client_for):
    client = api_client_for(olga)
    response = client.post("/api/v1/hosts/", {"name": "db1"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert host_for_token(body["token"]).name == "db1"
    assert "ERPKEEPER_AGENT_TOKEN=" in body["agent_command"]
    shown = client.get(f"/api/v1/hosts/{body['id']}/").json()
    assert "token" not in shown and "token_hash" not in shown
    rotated = client.post(f"/api/v1/hosts/{body['id']}/rotate-token/").json()
    assert host_for_token(body["token"]) is None
    assert host_for_token(rotated["token"]).name == "db1"
    assert client.post("/api/v1/hosts/", {"name": "db1"}, format="json").status_code == 400


def test_removing_a_host_removes_its_metrics(olga, api_client_for):
    host, _token = create_host("db1")
    samples_for(host, minutes=1)
    response = api_client_for(olga).delete(f"/api/v1/hosts/{host.pk}/")
    assert response.status_code == 204
    assert not Host.objects.exists() and not Sample.objects.exists()


def test_viewer_lists_series_and_queries_points_but_adds_no_host(victor, api_client_for):
    host, _token = create_host("db1")
    samples_for(host)
    client = api_client_for(victor)
    series = client.get("/api/v1/metrics/series/", {"host": "db1"}).json()["results"]
    assert [s["metric"] for s in series] == ["host.cpu.percent"]
    assert series[0]["last_value"] == 179.0
    start = (timezone.now() - dt.timedelta(minutes=40)).timestamp()
    answer = client.get(
        "/api/v1/metrics/query/", {"series": str(series[0]["id"]), "start": start, "max_points": 10}
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["resolution"] == "raw"
    assert 5 <= len(body["series"][0]["points"]) <= 10
    week_ago = (timezone.now() - dt.timedelta(days=7)).isoformat()
    week = client.get("/api/v1/metrics/query/", {"series": series[0]["id"], "start": week_ago})
    assert week.json()["resolution"] == "10m"
    assert client.post("/api/v1/hosts/", {"name": "x"}, format="json").status_code == 403
    assert client.get("/api/v1/metrics/query/", {"series": "a"}).status_code == 400


def test_user_without_a_role_sees_no_series(api_client_for):
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user("nobody", is_staff=True)
    assert api_client_for(nobody).get("/api/v1/metrics/series/").status_code == 403
    assert api_client_for(nobody).get("/api/v1/metrics/query/?series=1").status_code == 403


# -- CLI --------------------------------------------------------------------------------------


def test_cli_adds_lists_rotates_and_removes_hosts(capsys):
    assert main(["host", "add", "db1"]) == 0
    out = capsys.readouterr().out
    token = next(word for word in out.split() if word.startswith("ekh_"))
    assert host_for_token(token).name == "db1"
    assert "erpkeeper agent" in out
    assert main(["--json", "host", "list"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["name"] == "db1"
    assert main(["--json", "host", "rotate-token", "db1"]) == 0
    assert host_for_token(json.loads(capsys.readouterr().out)["token"]).name == "db1"
    assert main(["host", "add", "db1"]) == 2
    assert main(["host", "remove", "db1"]) == 0
    assert main(["host", "remove", "db1"]) == 3


def test_cli_lists_series_and_queries_a_metric(capsys):
    host, _token = create_host("db1")
    samples_for(host)
    assert main(["metrics", "list", "--host", "db1"]) == 0
    listing = capsys.readouterr().out
    assert "host.cpu.percent" in listing and "179" in listing
    assert main(["metrics", "query", "host.cpu.percent", "--since", "1h", "--points", "8"]) == 0
    out = capsys.readouterr().out
    assert "db1 host.cpu.percent" in out and any(ch in out for ch in "▁█")
    assert main(["metrics", "query", "host.cpu.percent", "--since", "soon"]) == 2
    assert main(["metrics", "query", "no.such.metric"]) == 3


# -- console ----------------------------------------------------------------------------------


def test_console_adds_a_host_and_shows_the_token_once(alice, console_client_for):
    client = console_client_for(alice)
    response = client.post("/monitoring/host/add/", {"name": "db1", "labels": "rack=a"})
    assert response.status_code == 200, response.content[:500]
    page = response.content.decode()
    token = page.split('id="host-token"')[1].split(">")[1].split("<")[0]
    assert host_for_token(token).name == "db1"
    assert host_for_token(token).labels == {"rack": "a"}
    assert "no-store" in response["Cache-Control"]
    listing = client.get("/monitoring/host/").content.decode()
    assert "db1" in listing and token not in listing
    assert client.get("/monitoring/series/").status_code == 200


@pytest.mark.parametrize("labels", [5, "rack=a", True, [1], ["rack", "a"], {"rack": {"row": 1}}])
def test_host_labels_other_than_text_to_text_are_a_400_naming_them(olga, api_client_for, labels):
    client = api_client_for(olga)
    response = client.post("/api/v1/hosts/", {"name": "db1", "labels": labels}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["labels"]
    assert not Host.objects.exists()


def test_host_labels_sent_as_a_form_are_a_400_naming_them(olga, api_client_for):
    response = api_client_for(olga).post("/api/v1/hosts/", {"name": "db1", "labels": "rack"})
    assert response.status_code == 400
    assert list(response.json()) == ["labels"]


def test_host_labels_map_text_to_text(olga, api_client_for):
    labels = {"rack": "a", "room": "2"}
    response = api_client_for(olga).post(
        "/api/v1/hosts/", {"name": "db1", "labels": labels}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert Host.objects.get(name="db1").labels == labels


@pytest.mark.parametrize("labels", [5, "rack", {"rack": 1}, {f"k{i}": "v" for i in range(17)}])
def test_create_host_refuses_labels_other_than_text_to_text(labels):
    with pytest.raises(ValidationError) as caught:
        create_host("db1", labels=labels)
    assert caught.value.message_dict == {
        "labels": ['Labels must map text to text, at most 16 of them, e.g. {"rack": "a"}.']
    }
