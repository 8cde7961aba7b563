"""Storing samples: ingest() and POST /api/v1/metrics/ingest/ as an agent uses it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from erpkeeper.monitoring.models import Host, Sample, Series
from erpkeeper.monitoring.services import create_host, rotate_token
from erpkeeper.monitoring.tsdb.ingest import (
    IngestError,
    IngestResult,
    MetricSample,
    embedded_host,
    forget_series_ids,
    ingest,
)
from erpkeeper.monitoring.tsdb.tokens import host_for_token

pytestmark = pytest.mark.django_db
URL = "/api/v1/metrics/ingest/"


@pytest.fixture(autouse=True)
def _fresh_series_cache():
    # Each test's database is rolled back; ids cached by an earlier test would be wrong.
    forget_series_ids()
    yield
    forget_series_ids()


@pytest.fixture
def agent():
    host, token = create_host("db1")
    return host, token


def cpu(value, seconds_ago=0, **labels):
    moment = timezone.now() - dt.timedelta(seconds=seconds_ago)
    return MetricSample("host.cpu.percent", value, moment, labels=labels, unit="%")


def push(client, token, body, **extra):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(
        URL, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}", **extra
    )


def batch(host="db1", seq=1, samples=None):
    now = timezone.now().timestamp()
    samples = samples or [{"metric": "host.cpu.percent", "value": 5.0, "time": now - 10}]
    return {"host": host, "seq": seq, "agent_version": "0.1", "samples": samples}


# -- ingest() ---------------------------------------------------------------------------------


def test_samples_are_stored_under_series_found_by_metric_and_labels(agent):
    host, _token = agent
    result = ingest(host, [cpu(1, 20), cpu(2, 10), cpu(3, 10, core="1")], batch_seq=1)
    assert (result.accepted, result.duplicates) == (3, 0)
    assert Series.objects.count() == 2
    assert Series.objects.get(labels={"core": "1"}).unit == "%"
    host.refresh_from_db()
    assert host.last_batch_seq == 1 and host.last_seen is not None
    assert host.minutes_dirty_from is not None


def test_same_series_and_time_is_stored_once(agent):
    host, _token = agent
    sample = cpu(7, 30)
    assert ingest(host, [sample, sample]) == IngestResult(1, 1)
    forget_series_ids()  # the next call finds the series in the database
    result = ingest(host, [sample, cpu(8, 5)])
    assert (result.accepted, result.duplicates) == (1, 1)
    assert Sample.objects.count() == 2


def test_a_replayed_batch_number_stores_nothing(agent):
    host, _token = agent
    ingest(host, [cpu(1, 30)], batch_seq=5)
    result = ingest(host, [cpu(2, 20), cpu(3, 10)], batch_seq=5)
    assert (result.accepted, result.duplicates) == (0, 2)
    stale = Host.objects.get(pk=host.pk)
    stale.last_batch_seq = 0  # another process stored batch 6 meanwhile: the row decides
    Host.objects.filter(pk=host.pk).update(last_batch_seq=6)
    assert ingest(stale, [cpu(4, 5)], batch_seq=6).accepted == 0
    assert Sample.objects.count() == 1


@pytest.mark.parametrize(
    ("make_sample", "reason"),
    [
        (lambda: MetricSample("Host CPU", 1.0, timezone.now()), "invalid metric name"),
        (lambda: MetricSample("host.cpu", float("nan"), timezone.now()), "finite"),
        (lambda: MetricSample("host.cpu", float("inf"), timezone.now()), "finite"),
        (lambda: MetricSample("host.cpu", 1.0, timezone.now() + dt.timedelta(minutes=6)), "future"),
        (
            lambda: MetricSample("host.cpu", 1.0, timezone.now() - dt.timedelta(hours=26)),
            "25 hours",
        ),
        (lambda: MetricSample("host.cpu", 1.0, dt.datetime(2024, 1, 1)), "time zone"),
        (lambda: MetricSample("host.cpu", 1.0, timezone.now(), labels={"a": 1}), "text to text"),
        (
            lambda: MetricSample(
                "host.cpu", 1.0, timezone.now(), labels={str(i): "x" for i in range(17)}
            ),
            "16",
        ),
        (lambda: MetricSample("host.cpu", 1.0, timezone.now(), target="nowhere"), "unknown target"),
    ],
)
def test_one_invalid_sample_refuses_the_whole_batch(agent, make_sample, reason):
    # Samples are made when the test runs, not when it is collected: "6 minutes in the future"
    # must still be in the future after a long test session.
    sample = make_sample()
    host, _token = agent
    with pytest.raises(IngestError) as caught:
        ingest(host, [cpu(1, 10), sample], batch_seq=3)
    assert reason in caught.value.message and "\n" not in caught.value.message
    assert caught.value.status == 422
    assert not Sample.objects.exists() and not Series.objects.exists()
    assert Host.objects.get(pk=host.pk).last_batch_seq == 0


def test_samples_about_a_target_get_their_own_series(agent):
    from erpkeeper.targets.models import Target

    target = Target(name="shop")
    target.set_database_url("sqlite:////tmp/x.sqlite")
    target.save()
    host, _token = agent
    moment = timezone.now()
    ingest(host, [MetricSample("db.size_bytes", 10, moment, target="shop")])
    ingest(host, [MetricSample("db.size_bytes", 10, moment)])
    assert sorted(Series.objects.values_list("target__name", flat=True), key=str) == [
        None,
        "shop",
    ]


def test_embedded_host_is_this_machine(db):
    import socket

    host = embedded_host()
    assert host.name == socket.gethostname() and host.kind == "embedded"
    assert embedded_host().pk == host.pk


# -- tokens -----------------------------------------------------------------------------------


def test_host_token_is_shown_once_and_stored_hashed(agent):
    host, token = agent
    assert token.startswith("ekh_") and token not in host.token_hash
    assert host_for_token(token) == host
    assert host_for_token(token[:-1] + ("a" if token[-1] != "a" else "b")) is None
    new = rotate_token(host)
    assert host_for_token(token) is None and host_for_token(new) == host


# -- HTTP -------------------------------------------------------------------------------------


def test_agent_pushes_a_batch_and_gets_202(client, agent):
    _host, token = agent
    now = timezone.now()
    samples = [
        {"metric": "host.cpu.percent", "value": 5, "time": now.timestamp() - 20, "unit": "%"},
        {"metric": "host.load1", "value": 0.5, "time": (now - dt.timedelta(seconds=5)).isoformat()},
    ]
    response = push(client, token, batch(seq=9, samples=samples))
    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": 2, "duplicates": 0, "seq": 9}
    again = push(client, token, batch(seq=9, samples=samples))
    assert again.json() == {
        "accepted": 0, "duplicates": 2, "seq": 9, "replay": True, "last_seq": 9
    }  # fmt: skip
    assert Sample.objects.count() == 2


@pytest.mark.parametrize(
    "authorization", [None, "Bearer ekh_wrong_token", "Bearer ek_notahosttoken_x", "Basic abc"]
)
def test_missing_or_wrong_token_is_401(client, agent, authorization):
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.post(URL, json.dumps(batch()), content_type="application/json", **extra)
    assert response.status_code == 401
    assert "detail" in response.json()
    assert not Sample.objects.exists()


def test_user_api_token_does_not_push(client, agent, olga):
    from erpkeeper.accounts.services import create_api_token

    _token, plaintext = create_api_token(olga, "scraper")
    assert push(client, plaintext, batch()).status_code == 401


def test_host_name_of_another_host_is_401(client, agent):
    _host, token = agent
    create_host("db2")
    response = push(client, token, batch(host="db2"))
    assert response.status_code == 401
    assert not Sample.objects.exists()


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b'{"host": "db1", "samples": {}}', b'{"host": "db1"}']
)
def test_malformed_json_or_wrong_shape_is_400(client, agent, body):
    _host, token = agent
    response = push(client, token, body)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not Sample.objects.exists()


def test_sample_without_a_numeric_value_is_400(client, agent):
    _host, token = agent
    sample = {"metric": "host.cpu.percent", "value": "high", "time": timezone.now().timestamp()}
    response = push(client, token, batch(samples=[sample]))
    assert response.status_code == 400 and "sample 0" in response.json()["detail"]


def test_more_than_5000_samples_is_413(client, agent):
    _host, token = agent
    now = timezone.now().timestamp()
    samples = [{"metric": "m.x", "value": i, "time": now - i / 1000} for i in range(5001)]
    response = push(client, token, batch(samples=samples))
    assert response.status_code == 413
    assert not Sample.objects.exists()


def test_body_over_2_mb_is_413_before_reading_it(client, agent):
    _host, token = agent
    body = json.dumps({**batch(), "padding": "x" * (2 * 1024 * 1024)})
    response = push(client, token, body)
    assert response.status_code == 413
    declared = push(client, token, json.dumps(batch()), CONTENT_LENGTH="3000000")
    assert declared.status_code == 413
    assert not Sample.objects.exists()


@pytest.mark.parametrize(
    "sample",
    [
        {"metric": "host.cpu.percent", "value": 1, "time": "future"},
        {"metric": "host.cpu.percent", "value": 1, "time": 4102444800},  # 2100
        {"metric": "Host-CPU", "value": 1, "time": 0},
        {"metric": "host.cpu.percent", "value": 1, "time": "2024-01-01T00:00:00"},
    ],
)
def test_invalid_samples_are_422_and_nothing_is_stored(client, agent, sample):
    _host, token = agent
    good = batch()["samples"][0]
    response = push(client, token, batch(samples=[good, sample]))
    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith("sample 1:")
    assert not Sample.objects.exists()
    assert Host.objects.get(name="db1").last_batch_seq == 0


def test_non_finite_json_value_is_422(client, agent):
    _host, token = agent
    now = timezone.now().timestamp()
    body = '{"host": "db1", "seq": 1, "samples": [{"metric": "m.x", "value": NaN, "time": %f}]}'
    response = push(client, token, body % now)
    assert response.status_code == 422
    assert not Sample.objects.exists()


def test_samples_of_unknown_targets_are_422_naming_every_one_and_nothing_is_stored(client, agent):
    _host, token = agent
    good = batch()["samples"][0]
    about = [dict(good, metric="db.size_bytes", target=name) for name in ("zeta", "alpha")]
    response = push(client, token, batch(samples=[good, *about]))
    assert response.status_code == 422, response.content
    assert response.json()["unknown_targets"] == ["alpha", "zeta"]
    assert "alpha" in response.json()["detail"]
    assert not Sample.objects.exists()
