"""The series list's filters (monitoring/filters.py): the API and ``erpkeeper metrics list``
give the same series."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from erpkeeper.cli import main
from erpkeeper.monitoring.services import create_host
from erpkeeper.monitoring.tsdb.ingest import MetricSample, forget_series_ids, ingest
from erpkeeper.targets.models import Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def series():
    forget_series_ids()
    shop = Target(name="shop")
    shop.set_database_url("sqlite:////tmp/shop.sqlite")
    shop.save()
    db1, _token = create_host("db1", targets=["shop"])
    db2, _token = create_host("db2")
    now = timezone.now()
    ingest(db1, [MetricSample("host.cpu.percent", 12.0, now)])
    ingest(db1, [MetricSample("erp.sessions", 3.0, now, target="shop")])
    ingest(db2, [MetricSample("host.cpu.percent", 40.0, now)])
    yield
    forget_series_ids()


def api_ids(client, query: dict) -> list[int]:
    response = client.get("/api/v1/metrics/series/", query)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def cli_ids(capsys, *options) -> list[int]:
    assert main(["--json", "metrics", "list", *options]) == 0
    return [row["id"] for row in json.loads(capsys.readouterr().out)]


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({}, 3),
        ({"metric": "host.cpu.percent"}, 2),
        ({"host": "db1"}, 2),
        ({"metric": "host.cpu.percent", "host": "db2"}, 1),
        ({"target": "shop"}, 1),
        ({"host": "nowhere"}, 0),
    ],
)
def test_the_api_and_the_cli_list_the_same_series(
    victor, api_client_for, capsys, series, query, count
):
    listed = api_ids(api_client_for(victor), query)
    options = [part for name, value in query.items() for part in (f"--{name}", value)]
    assert listed == cli_ids(capsys, *options)
    assert len(listed) == count
