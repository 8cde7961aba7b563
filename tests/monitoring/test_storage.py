"""Rollups, retention, chart queries and /metrics on the platform database."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from erpkeeper.monitoring.models import Host, Resolution, Rollup, Sample, Series
from erpkeeper.monitoring.services import create_host
from erpkeeper.monitoring.tsdb.ingest import MetricSample, forget_series_ids, ingest
from erpkeeper.monitoring.tsdb.query import (
    RAW,
    choose_resolution,
    find_series,
    latest,
    series_points,
)
from erpkeeper.monitoring.tsdb.rollups import apply_retention, roll_up

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.fixture(autouse=True)
def _fresh_series_cache():
    forget_series_ids()
    yield
    forget_series_ids()


@pytest.fixture
def host():
    return create_host("db1")[0]


def minute_ago(minutes: int, seconds: int = 0) -> dt.datetime:
    """A time ``minutes`` whole minutes before the current minute, plus ``seconds``."""
    start = timezone.now().astimezone(UTC).replace(second=0, microsecond=0)
    return start - dt.timedelta(minutes=minutes) + dt.timedelta(seconds=seconds)


def store(host, metric, points, labels=None, **more_labels):
    labels = {**(labels or {}), **more_labels}
    ingest(host, [MetricSample(metric, value, moment, labels=labels) for moment, value in points])
    (series,) = [s for s in Series.objects.filter(metric=metric) if s.labels == labels]
    return series


# -- rollups ----------------------------------------------------------------------------------


def test_closed_minutes_roll_into_min_avg_max_count(host):
    series = store(
        host,
        "host.cpu.percent",
        [(minute_ago(3, 0), 10), (minute_ago(3, 20), 20), (minute_ago(3, 40), 60)]
        + [(minute_ago(2, 5), 5)]
        + [(minute_ago(0, 1), 99)],  # the current minute is not closed yet
    )
    roll_up()
    minutes = {r.time: r for r in Rollup.objects.filter(resolution=Resolution.MINUTE)}
    assert set(minutes) == {minute_ago(3), minute_ago(2)}
    first = minutes[minute_ago(3)]
    assert (first.min, first.avg, first.max, first.count) == (10, 30, 60, 3)
    assert first.series_id == series.pk
    host.refresh_from_db()
    assert host.minutes_dirty_from == minute_ago(0)  # the open minute waits for the next run


def test_rolling_up_twice_gives_the_same_rows(host):
    store(host, "host.load1", [(minute_ago(5, s), s) for s in (0, 10, 20)])
    roll_up()
    before = list(Rollup.objects.values_list("time", "min", "avg", "max", "count"))
    Host.objects.filter(pk=host.pk).update(minutes_dirty_from=minute_ago(10))
    roll_up()
    assert list(Rollup.objects.values_list("time", "min", "avg", "max", "count")) == before


def test_late_samples_from_an_agent_buffer_are_rolled_again(host):
    store(host, "host.load1", [(minute_ago(30, 0), 1)])
    roll_up()
    Host.objects.filter(pk=host.pk).update(minutes_dirty_from=None, hours_dirty_from=None)
    store(host, "host.load1", [(minute_ago(30, 30), 3)])  # arrives later, for the same minute
    roll_up()
    rollup = Rollup.objects.get(resolution=Resolution.MINUTE)
    assert (rollup.min, rollup.avg, rollup.max, rollup.count) == (1, 2, 3, 2)


def test_closed_hours_roll_from_minutes_weighted_by_count(host):
    now = timezone.now()
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=2)
    store(
        host,
        "host.load1",
        [(hour, 1), (hour + dt.timedelta(seconds=30), 3)]  # minute 0: avg 2 over 2
        + [(hour + dt.timedelta(minutes=59), 8)],  # minute 59: avg 8 over 1
    )
    roll_up(now)
    tens = Rollup.objects.filter(resolution=Resolution.TEN_MINUTES).order_by("time")
    assert [(r.time - hour, r.min, r.avg, r.max, r.count) for r in tens] == [
        (dt.timedelta(0), 1, 2, 3, 2),
        (dt.timedelta(minutes=50), 8, 8, 8, 1),
    ]
    rollup = Rollup.objects.get(resolution=Resolution.HOUR)
    assert rollup.time == hour
    assert (rollup.min, rollup.max, rollup.count) == (1, 8, 3)
    assert rollup.avg == pytest.approx(4)  # (1 + 3 + 8) / 3, not (2 + 8) / 2
    host.refresh_from_db()
    assert host.hours_dirty_from is None and host.minutes_dirty_from is None


# -- retention --------------------------------------------------------------------------------


def test_retention_deletes_only_what_is_old(host, monkeypatch):
    from erpkeeper.monitoring.tsdb import rollups

    monkeypatch.setattr(rollups, "DELETE_BATCH", 2)  # several batches
    now = timezone.now()
    series = store(host, "host.load1", [(now - dt.timedelta(minutes=1), 1)])
    old_samples = [Sample(series=series, time=now - dt.timedelta(days=8), value=0)]
    old_samples += [
        Sample(series=series, time=now - dt.timedelta(days=7, hours=1 + i), value=i)
        for i in range(4)
    ]
    Sample.objects.bulk_create(old_samples)

    def rollup(resolution, age):
        return Rollup(
            series=series, resolution=resolution, time=now - age, min=0, avg=0, max=0, count=1
        )

    Rollup.objects.bulk_create(
        [
            rollup(Resolution.MINUTE, dt.timedelta(days=91)),
            rollup(Resolution.MINUTE, dt.timedelta(days=89)),
            rollup(Resolution.HOUR, dt.timedelta(days=91)),
            rollup(Resolution.HOUR, dt.timedelta(days=731)),
        ]
    )
    counts = apply_retention(now)
    assert counts.samples == 5 and counts.rollups == {60: 1, 600: 0, 3600: 1}
    assert Sample.objects.count() == 1
    assert sorted(Rollup.objects.values_list("resolution", flat=True)) == [60, 3600]


# -- queries ----------------------------------------------------------------------------------


def test_resolution_follows_the_range():
    assert choose_resolution(dt.timedelta(hours=6), 600) == RAW
    assert choose_resolution(dt.timedelta(days=7), 600) == Resolution.TEN_MINUTES
    assert choose_resolution(dt.timedelta(days=2), 600) == Resolution.MINUTE
    assert choose_resolution(dt.timedelta(days=30), 600) == Resolution.HOUR
    assert choose_resolution(dt.timedelta(days=7), 100) == Resolution.HOUR  # hour-wide buckets


def test_raw_points_are_aggregated_in_buckets_and_capped(host):
    end = timezone.now()
    start = end - dt.timedelta(hours=1)
    points = [(start + dt.timedelta(seconds=10 * i), float(i)) for i in range(360)]
    series = store(host, "host.load1", points)
    result = series_points([series.pk], start, end, max_points=12)[series.pk]
    assert 10 <= len(result) <= 12
    assert result == sorted(result)
    assert all(low <= mean <= high for _t, low, mean, high in result)
    assert min(p[1] for p in result) == 0 and max(p[3] for p in result) == 359
    full = series_points([series.pk], start, end, max_points=600)[series.pk]
    assert len(full) == 360 and full[5][1:] == (5.0, 5.0, 5.0)


def test_long_ranges_read_rollups(host):
    series = store(host, "host.load1", [(timezone.now() - dt.timedelta(minutes=1), 1)])
    end = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    Rollup.objects.bulk_create(
        Rollup(
            series=series,
            resolution=resolution,
            time=end - dt.timedelta(seconds=step * i),
            min=i,
            avg=i + 0.5,
            max=i + 1,
            count=6,
        )
        for resolution, step, count in (
            (60, 60, 2 * 1440),
            (600, 600, 7 * 144),
            (3600, 3600, 60 * 24),
        )
        for i in range(count)
    )
    week = series_points([series.pk], end - dt.timedelta(days=7), end, 600)[series.pk]
    assert 500 <= len(week) <= 600
    assert max(p[3] for p in week) == 7 * 144  # the oldest 10-minute rollup's max
    days = series_points([series.pk], end - dt.timedelta(days=2), end, 600)[series.pk]
    assert 500 <= len(days) <= 600 and days[0][3] > 2000  # from minute rollups
    two_months = series_points([series.pk], end - dt.timedelta(days=60), end, 600)[series.pk]
    assert 400 <= len(two_months) <= 600  # buckets of whole hours: 3 h here
    assert max(p[3] for p in two_months) == 60 * 24  # the oldest hour rollup's max


def test_latest_and_find_series(host):
    now = timezone.now()
    cpu = store(
        host,
        "host.cpu.percent",
        [(now - dt.timedelta(seconds=30), 1), (now - dt.timedelta(seconds=10), 2)],
    )
    disk = store(host, "host.disk.percent", [(now, 50)], mount="/")
    assert latest([cpu.pk, disk.pk])[cpu.pk][1] == 2
    assert list(find_series(labels={"mount": "/"})) == [disk]
    assert list(find_series(metric="host.cpu.percent", host="db1")) == [cpu]
    assert not find_series(host="elsewhere").exists()


# -- /metrics ---------------------------------------------------------------------------------

SAMPLE_LINE = re.compile(
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?P<labels>(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\}'
    r" (?P<value>\S+)$"
)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"')


def parse_exposition(text: str) -> dict:
    """A small parser of the text format 0.0.4: {(name, labels): value}, checking that each
    family is together and introduced by HELP and TYPE."""
    samples, families, current = {}, [], None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            current = line.split()[2]
            assert current not in families, f"family {current} split"
            families.append(current)
        elif line.startswith("# TYPE "):
            assert line.split()[2:] == [current, "gauge"]
        else:
            match = SAMPLE_LINE.match(line)
            assert match, f"unparsable line {line!r}"
            assert match["name"] == current
            labels = tuple(
                (k, v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\"))
                for k, v in LABEL.findall(match["labels"])
            )
            samples[(match["name"], labels)] = float(match["value"])
    return samples


def test_metrics_exposes_latest_values_with_escaped_labels(host, client, api_client_for, victor):
    now = timezone.now()
    store(host, "host.cpu.percent", [(now - dt.timedelta(seconds=20), 1), (now, 2.5)])
    store(host, "host.disk.percent", [(now, 40)], {"mount": 'C:\\ "data"\nx', "host": "inner"})
    store(host, "host.old", [(now - dt.timedelta(minutes=11), 1)])  # not fresh: left out
    response = api_client_for(victor).get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = parse_exposition(b"".join(response.streaming_content).decode())
    assert samples == {
        ("erpkeeper_host_cpu_percent", (("host", "db1"),)): 2.5,
        (
            "erpkeeper_host_disk_percent",
            (("host", "db1"), ("exported_host", "inner"), ("mount", 'C:\\ "data"\nx')),
        ): 40,
    }


def test_metrics_needs_a_token_allowed_to_view_series(client, api_client_for):
    from django.contrib.auth import get_user_model

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ek_nope_nope").status_code == 401
    nobody = get_user_model().objects.create_user("nobody", is_staff=True)  # no role
    assert api_client_for(nobody).get("/metrics").status_code == 403
