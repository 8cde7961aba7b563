"""The embedded local collector: this machine and its targets, ingested into storage."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from erpkeeper.monitoring.collectors import jobs
from erpkeeper.monitoring.collectors.embedded import EmbeddedCollector


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rounds_stored() -> int:
    """Rounds of the thread seen so far; 0 while its write holds the shared test database's
    table lock (SQLite's in-memory test database is shared between threads)."""
    from django.db import OperationalError

    try:
        return len(stored("host.cpu.percent"))
    except OperationalError:
        return 0


def stored(metric: str, target=None, **labels) -> list[float]:
    from erpkeeper.monitoring.models import Sample

    rows = Sample.objects.filter(series__metric=metric)
    if target is not None:
        rows = rows.filter(series__target__name=target)
    return [
        s.value
        for s in rows.select_related("series").order_by("time")
        if labels.items() <= s.series.labels.items()
    ]


@pytest.fixture
def demo_targets(db, tryton_sqlite_db):
    """The demo ERP (its server down) and a PostgreSQL target whose server is not running."""
    from erpkeeper.targets import services as targets

    demo = targets.add_target(
        name="demo",
        database_url=tryton_sqlite_db,
        erp_server_url=f"http://127.0.0.1:{closed_port()}/",
    )
    broken = targets.add_target(
        name="gone",
        database_url=f"postgresql://erp:pw@127.0.0.1:{closed_port()}/erp",
        verify=False,
    )
    return demo, broken


@pytest.mark.slow
def test_one_round_stores_host_database_and_erp_metrics(demo_targets):
    collector = EmbeddedCollector()
    try:
        result = collector.collect_and_ingest()
    finally:
        collector.close()
    assert result.accepted > 10  # rates (disk, network) only come from the second round on
    assert len(stored("host.cpu.percent")) == 1
    assert stored("db.file_bytes", target="demo")[0] > 1_000_000
    assert stored("erp.queue.backlog", target="demo") == [0.0]
    assert stored("erp.rpc.up", target="demo") == [0.0]
    assert stored("collector.up", collector="tryton", target="demo") == [1.0]
    assert stored("collector.up", collector="postgresql", target="gone") == [0.0]


@pytest.mark.slow
def test_targets_linked_to_the_embedded_host_limit_the_collection(demo_targets):
    from erpkeeper.monitoring.tsdb.ingest import embedded_host

    demo, _gone = demo_targets
    embedded_host().targets.set([demo])
    collector = EmbeddedCollector()
    try:
        targets = {s.target for s in collector.collect(jobs.dt.datetime.now(jobs.dt.UTC))}
    finally:
        collector.close()
    assert targets == {None, "demo"}


def test_a_changed_target_gets_new_collectors(demo_targets):
    demo, _gone = demo_targets
    collector = EmbeddedCollector()
    first = collector._target_collectors()
    assert collector._target_collectors() == first  # unchanged: the same, connected collectors
    demo.erp_server_url = ""
    demo.save()
    second = collector._target_collectors()
    assert "tryton_rpc" not in {c.name for c in second}
    # The other target's collectors are kept as they were (connections and counters with them).
    assert [c for c in second if c.target == "gone"] == [c for c in first if c.target == "gone"]
    collector.close()


@pytest.mark.django_db(transaction=True)
def test_the_thread_collects_every_interval_and_stops(monkeypatch, settings):
    settings.COLLECT_INTERVAL = 1
    monkeypatch.setattr(jobs.LOOP, "thread", None)
    stop = threading.Event()
    thread = jobs.start_embedded_collector(stop)
    assert jobs.start_embedded_collector(stop) is thread  # one per process
    try:
        deadline = time.monotonic() + 30  # generous: a busy CI machine
        while rounds_stored() < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert len(stored("host.cpu.percent")) >= 2


@pytest.mark.parametrize(
    ("raw", "expected"), [("", 10), ("30", 30), ("0", 0), ("soon", 10), ("-5", 10)]
)
def test_collect_interval_setting(monkeypatch, settings, raw, expected):
    from erpkeeper.lib import env

    monkeypatch.setattr(env, "CONFIG_ERRORS", [])
    monkeypatch.setenv("ERPKEEPER_COLLECT_INTERVAL", raw)
    settings.COLLECT_INTERVAL = env.envfloat("ERPKEEPER_COLLECT_INTERVAL", 10.0, minimum=0)
    assert jobs.LOOP.interval() == expected
    assert len(env.CONFIG_ERRORS) == (1 if raw in ("soon", "-5") else 0)


def test_interval_0_turns_the_collector_off(settings):
    settings.COLLECT_INTERVAL = 0
    assert jobs.start_embedded_collector(threading.Event()) is None
