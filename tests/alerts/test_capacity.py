"""A disk that fills up raises the default "full within 14 days" alert, through the same path
as every other alert."""

import pytest
from django.utils import timezone

from erpkeeper.alerts import sources
from erpkeeper.alerts.engine import evaluate
from erpkeeper.alerts.models import Alert, AlertState
from tests.fixtures.alerts import feed, make_host
from tests.fixtures.monitoring import add_hourly, growing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_capacity_clock(monkeypatch):
    monkeypatch.setattr(sources, "_capacity_done_at", None)


def test_a_disk_growing_two_percent_a_day_raises_the_capacity_alert():
    host = make_host("db1")
    now = timezone.now().replace(microsecond=0)
    feed(host, "host.disk.percent", 88.0, now, mount="/var")  # a fresh reading: it is watched
    series = host.series.get(metric="host.disk.percent")
    add_hourly(series, growing(start=28.0, per_day=2.0, days=30), now=now)  # 88 % now: 6 days

    evaluate(now)

    alert = Alert.objects.get(rule__default_key="capacity")
    assert alert.state == AlertState.FIRING
    assert alert.severity == "warning"
    assert 4 < alert.value < 8


def test_a_flat_disk_raises_nothing():
    host = make_host("db2")
    now = timezone.now().replace(microsecond=0)
    feed(host, "host.disk.percent", 40.0, now, mount="/")
    add_hourly(host.series.get(metric="host.disk.percent"), dict.fromkeys(range(1, 400), 40.0), now)

    evaluate(now)

    assert not Alert.objects.filter(rule__default_key="capacity").exists()
