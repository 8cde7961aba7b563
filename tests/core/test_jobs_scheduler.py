"""Periodic schedules: cron parsing in the platform's time zone, one firing per minute, sources."""

from __future__ import annotations

import datetime as dt

import pytest

from erpkeeper.core import scheduler
from erpkeeper.core.jobs import enqueue
from erpkeeper.core.models import Job
from erpkeeper.core.scheduler import (
    MinuteTicker,
    Schedule,
    parse_cron,
    register_periodic,
    schedule_source,
    tick,
    unregister_periodic,
)

UTC = dt.UTC


@pytest.fixture(autouse=True)
def fresh_claims():
    """Claims live in the queue's store: use Huey's in-memory store for each test."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture
def periodic():
    names = []

    def register(name, cron, **options):
        names.append(name)
        return register_periodic(name, cron, **options)

    yield register
    for name in names:
        unregister_periodic(name)


@pytest.fixture
def targets(db):
    from erpkeeper.targets.models import Target

    made = []
    for name in ("erp-a", "erp-b"):
        target = Target(name=name)
        target.set_database_url(f"sqlite:////nonexistent/{name}.sqlite")
        target.save()
        made.append(target)
    return made


def test_it_rejects_bad_cron_expressions_with_the_reason():
    with pytest.raises(ValueError, match="expected 5 fields"):
        parse_cron("0 3 * *")
    with pytest.raises(ValueError, match="cron '61 3 \\* \\* \\*'"):
        parse_cron("61 3 * * *")
    with pytest.raises(ValueError, match="exactly one of kind= or call="):
        Schedule("x", "* * * * *")


def test_cron_is_read_in_the_platform_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    nightly = Schedule("nightly", "0 3 * * *", call=lambda: None)
    assert nightly.is_due(dt.datetime(2025, 3, 1, 19, 0, tzinfo=UTC))  # 03:00 in Shanghai
    assert not nightly.is_due(dt.datetime(2025, 3, 1, 3, 0, tzinfo=UTC))
    after = dt.datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert nightly.next_run(after) == dt.datetime(2025, 3, 1, 19, 0, tzinfo=UTC)


def test_weekday_zero_is_sunday():
    sundays = Schedule("weekly", "30 2 * * 0", call=lambda: None)
    assert sundays.is_due(dt.datetime(2025, 3, 2, 2, 30, tzinfo=UTC))  # a Sunday
    assert not sundays.is_due(dt.datetime(2025, 3, 3, 2, 30, tzinfo=UTC))


@pytest.mark.django_db
def test_a_due_schedule_queues_one_job_per_target_once_per_minute(periodic, targets):
    periodic(
        "tests.check-all",
        "*/5 * * * *",
        kind="core.test.sleep",
        targets="each",
        params_fn=lambda target: {"seconds": 0, "for": target.name},
    )
    minute = dt.datetime(2025, 3, 1, 10, 5, tzinfo=UTC)
    assert "tests.check-all" in tick(minute)
    jobs = Job.objects.filter(kind="core.test.sleep").order_by("target__name")
    assert [(j.target.name, j.params["for"]) for j in jobs] == [
        ("erp-a", "erp-a"),
        ("erp-b", "erp-b"),
    ]
    assert {j.requested_by_name for j in jobs} == {"schedule:tests.check-all"}
    # A second scheduler process evaluating the same minute finds it claimed.
    assert "tests.check-all" not in tick(minute + dt.timedelta(seconds=30))
    assert "tests.check-all" not in tick(minute + dt.timedelta(minutes=1))  # not due at :06
    assert Job.objects.filter(kind="core.test.sleep").count() == 2


@pytest.mark.django_db
def test_it_skips_a_target_whose_previous_run_is_still_active(periodic, targets):
    periodic("tests.busy", "* * * * *", kind="core.test.sleep", targets="each")
    enqueue("core.test.sleep", target=targets[0])
    tick(dt.datetime(2025, 3, 1, 10, 0, tzinfo=UTC))
    sleeps = Job.objects.filter(kind="core.test.sleep")
    assert sleeps.filter(target=targets[0]).count() == 1
    assert sleeps.filter(target=targets[1]).count() == 1


@pytest.mark.django_db
def test_a_call_schedule_runs_inline_without_a_job_row(periodic):
    calls = []
    periodic("tests.housekeeping", "0 * * * *", call=lambda: calls.append(1))
    tick(dt.datetime(2025, 3, 1, 10, 0, tzinfo=UTC))
    tick(dt.datetime(2025, 3, 1, 10, 0, tzinfo=UTC))
    assert calls == [1]
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_failing_schedule_does_not_stop_the_others(periodic):
    ran = []

    def broken():
        raise RuntimeError("boom")

    periodic("tests.a-broken", "* * * * *", call=broken)
    periodic("tests.b-fine", "* * * * *", call=lambda: ran.append(1))
    fired = tick(dt.datetime(2025, 3, 1, 10, 0, tzinfo=UTC))
    assert {"tests.a-broken", "tests.b-fine"} <= set(fired)
    assert ran == [1]


@pytest.mark.django_db
def test_schedules_can_come_from_data():
    rows = [{"name": "policy-7", "cron": "15 1 * * *"}]
    source = schedule_source(
        lambda: [
            Schedule(f"tests.{row['name']}", row["cron"], kind="core.test.sleep") for row in rows
        ]
    )
    try:
        tick(dt.datetime(2025, 3, 1, 1, 15, tzinfo=UTC))
        assert Job.objects.filter(requested_by_name="schedule:tests.policy-7").count() == 1
    finally:
        scheduler._sources.remove(source)


@pytest.mark.django_db
def test_the_reaper_is_registered_every_minute():
    names = {s.name: s for s in scheduler.schedules()}
    assert names["core.reap_stale_jobs"].cron == "* * * * *"


def test_the_ticker_runs_each_minute_once_and_catches_up_briefly(monkeypatch):
    seen = []
    monkeypatch.setattr(scheduler, "tick", seen.append)
    ticker = MinuteTicker()
    start = dt.datetime(2025, 3, 1, 10, 0, 12, tzinfo=UTC)
    ticker.poll(start)
    ticker.poll(start + dt.timedelta(seconds=20))  # same minute: nothing new
    ticker.poll(start + dt.timedelta(minutes=1))
    ticker.poll(start + dt.timedelta(minutes=30))  # after a stall: only the last few minutes
    minutes = [m.strftime("%H:%M") for m in seen]
    assert minutes[:2] == ["10:00", "10:01"]
    assert minutes[2:] == ["10:26", "10:27", "10:28", "10:29", "10:30"]
