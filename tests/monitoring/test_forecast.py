"""Days until a disk or a database is full: the least-squares arithmetic, and the forecast read
from hourly rollups."""

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from erpkeeper.monitoring import forecast
from erpkeeper.monitoring.forecast import days_to_reach, days_until_full, linear_trend
from erpkeeper.monitoring.models import Host, HostKind, Sample, Series
from tests.fixtures.monitoring import add_hourly, growing  # noqa: F401

DAY = 86400.0


def make_series(host, metric, *, target=None, unit="", **labels) -> Series:
    identity = f"{host.pk}|{target and target.pk}|{metric}|{sorted(labels.items())}"
    return Series.objects.create(
        host=host,
        target=target,
        metric=metric,
        labels=labels,
        unit=unit,
        key=hashlib.sha256(identity.encode()).hexdigest(),
    )


# -- pure arithmetic ---------------------------------------------------------------------------


def test_linear_trend_finds_slope_and_intercept():
    slope, intercept = linear_trend([(0, 1.0), (1, 3.0), (2, 5.0)])
    assert slope == pytest.approx(2.0) and intercept == pytest.approx(1.0)


def test_linear_trend_needs_two_moments():
    assert linear_trend([(5, 1.0)]) is None
    assert linear_trend([(5, 1.0), (5, 2.0)]) is None


def test_linear_growth_reaches_the_limit_in_the_right_number_of_days():
    # 1 % a day, at 80 % now: full in 20 days.
    points = [(day * DAY, 50.0 + day) for day in range(31)]
    assert days_to_reach(points, 100.0, 30 * DAY) == pytest.approx(20.0)


def test_shrinking_free_space_reaches_zero():
    points = [(day * DAY, 100e9 - day * 2e9) for day in range(31)]  # 40 GB left, 2 GB a day
    assert days_to_reach(points, 0.0, 30 * DAY, rising=False) == pytest.approx(20.0)


def test_flat_or_falling_is_not_growing():
    assert days_to_reach([(day * DAY, 60.0) for day in range(31)], 100.0, 30 * DAY) is None
    shrinking = [(day * DAY, 60.0 - day) for day in range(31)]
    assert days_to_reach(shrinking, 100.0, 30 * DAY) is None


def test_already_past_the_limit_is_zero_days():
    assert days_to_reach([(0, 99.0), (DAY, 101.0)], 100.0, DAY) == 0.0


# -- from the rollups --------------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytest.fixture
def host(db):
    return Host.objects.create(name="erp1", kind=HostKind.AGENT)


@pytest.fixture
def shop(db, tryton_sqlite_db):
    from erpkeeper.targets import services as targets

    return targets.add_target(name="shop", database_url=tryton_sqlite_db)


@pytestmark_db
def test_disk_percent_growing_one_percent_a_day(host):
    disk = make_series(host, "host.disk.percent", unit="%", mount="/")
    now = timezone.now()
    add_hourly(disk, growing(50.0, 1.0), now)  # 80 % an hour ago
    assert days_until_full(disk, now=now) == pytest.approx(20.0, abs=0.1)


@pytestmark_db
def test_flat_disk_is_not_growing(host):
    disk = make_series(host, "host.disk.percent", unit="%", mount="/")
    add_hourly(disk, growing(70.0, 0.0))
    assert days_until_full(disk) is None


@pytestmark_db
def test_a_few_hours_of_history_give_no_forecast(host):
    disk = make_series(host, "host.disk.percent", unit="%", mount="/")
    add_hourly(disk, {ago: 90.0 + ago for ago in range(1, 6)})
    assert days_until_full(disk) is None


@pytestmark_db
def test_free_bytes_shrinking_to_zero(host):
    free = make_series(host, "host.disk.free_bytes", unit="B", mount="/data")
    now = timezone.now()
    add_hourly(free, growing(100e9, -2e9), now)  # 40 GB left, 2 GB a day
    assert days_until_full(free, now=now) == pytest.approx(20.0, abs=0.1)


@pytestmark_db
def test_database_fills_the_free_space_of_its_hosts_root_disk(host, shop):
    host.targets.add(shop)
    now = timezone.now()
    for mount, free_bytes in (("/", 10e9), ("/boot", 1e8)):
        disk = make_series(host, "host.disk.free_bytes", unit="B", mount=mount)
        Sample.objects.create(series=disk, time=now - dt.timedelta(minutes=1), value=free_bytes)
    database = make_series(host, "db.size_bytes", target=shop, unit="B")
    add_hourly(database, growing(20e9, 1e9), now)  # grows 1 GB a day, 10 GB free on "/"
    assert days_until_full(database, now=now) == pytest.approx(10.0, abs=0.1)
    assert days_until_full(database, now=now, limit=70e9) == pytest.approx(20.0, abs=0.1)


@pytestmark_db
def test_target_forecasts_one_line_per_mount_and_the_database(host, shop):
    host.targets.add(shop)
    now = timezone.now()
    percent = make_series(host, "host.disk.percent", unit="%", mount="/")
    make_series(host, "host.disk.free_bytes", unit="B", mount="/")  # same mount: not twice
    add_hourly(percent, growing(80.0, 1.0, days=10), now)  # 90 % now: 10 days
    make_series(host, "db.size_bytes", target=shop, unit="B")
    lines = forecast.target_forecasts(shop, now=now)
    assert [line.series.metric for line in lines] == ["host.disk.percent", "db.size_bytes"]
    assert lines[0].days == pytest.approx(10.0, abs=0.1) and lines[0].state == "warning"
    assert lines[1].days is None and lines[1].state == "ok"
    assert lines[0].enough_history and not lines[1].enough_history  # "too little history"
