"""Collectors against the real thing: psutil on this machine, real PostgreSQL, MariaDB and SQLite
databases, the Tryton demo ERP, and a real trytond server for the RPC checks."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from erpkeeper.monitoring.collectors.base import collect_safely
from erpkeeper.monitoring.collectors.hardware import HardwareCollector
from erpkeeper.monitoring.collectors.host import HostCollector
from erpkeeper.monitoring.collectors.mysql import MysqlCollector
from erpkeeper.monitoring.collectors.postgresql import PostgresCollector
from erpkeeper.monitoring.collectors.registry import TargetSpec, target_collectors
from erpkeeper.monitoring.collectors.sqlite import SqliteCollector
from erpkeeper.monitoring.collectors.tryton import TrytonCollector, TrytonRpcCollector

TRYTOND = Path(sys.executable).with_name("trytond")


def now():
    return dt.datetime.now(dt.UTC)


def by_metric(samples) -> dict[str, list]:
    found: dict[str, list] = {}
    for sample in samples:
        found.setdefault(sample.metric, []).append(sample)
    return found


def value(samples, metric: str, **labels) -> float:
    matching = [s for s in samples if s.metric == metric and labels.items() <= s.labels.items()]
    assert len(matching) == 1, f"{metric} {labels}: {matching}"
    return matching[0].value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "trytond exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"trytond did not listen on {port}")


# ---------------------------------------------------------------- this machine


@pytest.fixture(scope="module")
def trytond_server(tryton_sqlite_template, tmp_path_factory):
    """A real trytond serving a copy of the demo database; yields (url, process)."""
    directory = tmp_path_factory.mktemp("trytond")
    (directory / "demo.sqlite").write_bytes(tryton_sqlite_template.read_bytes())
    port = free_port()
    config = directory / "trytond.conf"
    config.write_text(
        f"[database]\nuri = sqlite://\npath = {directory}\n[web]\nlisten = 127.0.0.1:{port}\n"
    )
    process = subprocess.Popen(
        [str(TRYTOND), "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/", process
    finally:
        process.terminate()
        process.wait(10)


def test_host_metrics_have_sane_values():
    collector = HostCollector()
    collector.collect(now())
    time.sleep(0.3)
    samples = collector.collect(now())
    metrics = by_metric(samples)
    assert 0 <= value(samples, "host.cpu.percent") <= 100
    for load in ("host.load.1", "host.load.5", "host.load.15"):
        assert value(samples, load) >= 0
    assert 0 < value(samples, "host.memory.percent") < 100
    used = value(samples, "host.memory.used_bytes")
    assert 0 < used < psutil.virtual_memory().total
    assert value(samples, "host.memory.total_bytes") == psutil.virtual_memory().total
    assert value(samples, "host.cpu.cores") == psutil.cpu_count()
    assert 0 <= value(samples, "host.swap.percent") <= 100
    assert value(samples, "host.processes") == pytest.approx(len(psutil.pids()), abs=20)
    mounts = {s.labels["mount"] for s in metrics["host.disk.percent"]}
    assert "/" in mounts or mounts, mounts
    assert all(0 < s.value < 100 for s in metrics["host.disk.percent"])
    assert all(s.value > 0 for s in metrics["host.disk.free_bytes"])
    # Rates need a previous reading: present on the second call, never negative.
    for name in ("host.disk.read_bytes_per_s", "host.net.rx_bytes_per_s"):
        assert metrics[name] and all(s.value >= 0 for s in metrics[name]), name
    assert not any(s.labels.get("device", "").startswith("loop") for s in samples)
    assert not any(s.labels.get("nic") == "lo" for s in samples)


def test_host_finds_the_erp_server_process(trytond_server):
    _url, process = trytond_server
    collector = HostCollector()
    collector.collect(now())  # the first reading of a process gives no CPU figure
    time.sleep(0.2)
    samples = collector.collect(now())
    pid = str(process.pid)
    assert value(samples, "erp.process.rss_bytes", pid=pid) > 10 * 1024 * 1024
    assert value(samples, "erp.process.cpu_percent", pid=pid) >= 0
    assert value(samples, "erp.processes") >= 1
    # A pid can be named too (a server not called trytond).
    named = HostCollector(erp_pids=[os.getpid()], erp_names=("no-such-erp",))
    assert value(named.collect(now()), "erp.process.rss_bytes", pid=str(os.getpid())) > 0


def test_hardware_reports_what_exists_or_says_why_not():
    collector = HardwareCollector()
    samples = collector.collect(now())
    if not collector.available():
        assert collector.reasons and "not available" in collector.reasons[0]
        assert samples == []
        return
    assert {s.metric for s in samples} <= {
        "hw.temperature.celsius",
        "hw.fan.rpm",
        "hw.battery.percent",
        "hw.smart.healthy",
    }
    assert all(-50 < s.value < 150 for s in samples if s.metric == "hw.temperature.celsius")


# ---------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
def test_postgresql_metrics_and_a_blocked_query(postgres_database):
    import psycopg

    with psycopg.connect(postgres_database, autocommit=True) as setup:
        setup.execute("CREATE TABLE t (x int)")
    holder = psycopg.connect(postgres_database)
    holder.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")  # held until rollback
    waiter = threading.Thread(target=_select_waiting, args=(postgres_database,))
    waiter.start()
    collector = PostgresCollector("pg", postgres_database)
    try:
        # The first call's hit ratio is since the statistics reset; later calls' since the call
        # before, and absent when PostgreSQL has not flushed new block statistics in between.
        first = collect_safely(collector, now())
        _collect_until(collector, "db.blocked_queries", lambda v: v >= 1)
        # Sessions by state and blocked sessions are two queries: a round can fall between the
        # waiter's connecting (idle) and its blocking. It stays blocked from then on.
        samples = _collect_until(collector, "db.connections", lambda v: v == 1, state="active")
    finally:
        holder.rollback()
        holder.close()
        waiter.join(10)
        collector.close()
    assert value(samples, "db.blocked_queries") == 1
    assert value(samples, "db.connections", state="idle in transaction") == 1
    assert value(samples, "db.connections", state="active") == 1
    assert 0 < value(samples, "db.connections.percent") < 100
    assert value(samples, "db.long_transactions") == 0
    assert value(samples, "db.size_bytes") > 1_000_000
    assert value(samples, "db.xid_age") > 0
    assert 0 <= value(first, "db.cache_hit_ratio") <= 1
    assert "db.replication_lag_seconds" not in by_metric(samples)  # no replicas: nothing
    assert all(s.target == "pg" for s in samples)
    assert value(samples, "collector.up", collector="postgresql", target="pg") == 1


def _select_waiting(url):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT * FROM t")


def _collect_until(collector, metric, condition, seconds=10.0, **labels):
    deadline = time.monotonic() + seconds
    while True:
        samples = collect_safely(collector, now())
        found = [
            s.value for s in samples if s.metric == metric and labels.items() <= s.labels.items()
        ]
        if (found and condition(found[0])) or time.monotonic() > deadline:
            return samples
        time.sleep(0.1)


@pytest.mark.postgres
def test_a_database_that_is_down_gives_collector_up_0(caplog):
    port = free_port()
    collectors = [
        PostgresCollector("down", f"postgresql://erp:s3cret-pw@127.0.0.1:{port}/erp"),
        MysqlCollector("down", f"mysql://erp:s3cret-pw@127.0.0.1:{port}/erp"),
        TrytonCollector("down", f"postgresql://erp:s3cret-pw@127.0.0.1:{port}/erp"),
        SqliteCollector("down", "sqlite:////nonexistent/erp.sqlite"),
    ]
    with caplog.at_level(logging.WARNING, "erpkeeper.monitoring.collectors"):
        for collector in collectors:
            samples = collect_safely(collector, now())
            assert [(s.metric, s.value) for s in samples] == [("collector.up", 0.0)]
            assert samples[0].labels == {"collector": collector.name, "target": "down"}
    assert len(caplog.records) == 4
    assert all("\n" not in r.getMessage() for r in caplog.records)
    assert "s3cret-pw" not in caplog.text


# ---------------------------------------------------------------- MariaDB


@pytest.mark.mariadb
def test_mariadb_metrics(mariadb_database):
    import pymysql

    from erpkeeper.lib import dburl

    url = dburl.parse(mariadb_database)
    with pymysql.connect(host=url.host, port=url.port, user=url.user, database=url.database) as c:
        c.cursor().execute("CREATE TABLE t (x int) ENGINE=InnoDB")
        c.cursor().execute("INSERT INTO t VALUES (1), (2)")
        c.commit()
    collector = MysqlCollector("erp", mariadb_database)
    try:
        first = collect_safely(collector, now())
        second = collect_safely(collector, now())
    finally:
        collector.close()
    assert value(first, "collector.up") == 1
    assert value(second, "db.threads.connected") >= 1
    assert value(second, "db.threads.running") >= 1
    assert 0 < value(second, "db.connections.percent") < 100
    assert value(second, "db.size_bytes") > 0
    assert value(second, "db.slow_queries") >= 0  # a rate: from the second call on
    assert "db.slow_queries" not in by_metric(first)
    assert 0 <= value(first, "db.buffer_pool_hit_ratio") <= 1


AGENT_MARIADB_PROBE = """
import datetime as dt, sys
from erpkeeper.monitoring.collectors.base import collect_safely
from erpkeeper.monitoring.collectors.mysql import MysqlCollector
collector = MysqlCollector("erp", sys.argv[1])
samples = collect_safely(collector, dt.datetime.now(dt.UTC))
up = [s.value for s in samples if s.metric == "collector.up"]
print(up[0], "cryptography" in sys.modules)

# A MySQL server that asks for an RSA password exchange still gets one.
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pymysql import _auth
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
public = key.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
salt = b"0123456789abcdefghij"
sealed = _auth.sha2_rsa_encrypt(b"s3cret", salt, public)
oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
print(_auth._xor_password(key.decrypt(sealed, oaep), salt))
"""


@pytest.mark.mariadb
def test_mariadb_collector_leaves_cryptography_unloaded_until_a_server_needs_rsa(
    mariadb_database,
):
    # In a fresh interpreter, as the agent runs: cryptography is 12 MB of its 40 MB budget.
    probe = subprocess.run(
        [sys.executable, "-c", AGENT_MARIADB_PROBE, mariadb_database],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    collected, password = probe.stdout.splitlines()
    assert collected == "1.0 False"
    assert password == repr(b"s3cret\0")


# ---------------------------------------------------------------- SQLite and Tryton


def test_sqlite_file_and_wal(tmp_path):
    path = tmp_path / "erp.sqlite"
    collector = SqliteCollector("erp", f"sqlite:///{path}")
    writer = sqlite3.connect(path)
    writer.execute("CREATE TABLE t (x)")
    writer.commit()
    assert value(collector.collect(now()), "db.wal_bytes") == 0  # rollback journal: no WAL
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("INSERT INTO t VALUES (randomblob(100000))")
    writer.commit()
    samples = collector.collect(now())
    file_size = path.stat().st_size
    writer.close()  # checkpoints the WAL into the file
    assert value(samples, "db.file_bytes") == file_size
    assert value(samples, "db.wal_bytes") > 100_000


@pytest.mark.slow
def test_tryton_metrics_on_the_demo_erp(tryton_sqlite_db):
    collector = TrytonCollector("demo", tryton_sqlite_db)
    moment = now()
    before = collector.collect(moment)
    assert {s.metric for s in before} == {
        "erp.cron.failed",
        "erp.queue.backlog",
        "erp.logins.failed",
        "erp.sessions.active",
    }
    _add_erp_activity(Path(tryton_sqlite_db.removeprefix("sqlite://")), moment)
    after = collector.collect(moment)
    collector.close()
    for metric, added in (
        ("erp.cron.failed", 1),  # the other error is not a cron's; the old one is too old
        ("erp.queue.backlog", 1),
        ("erp.logins.failed", 2),
        ("erp.sessions.active", 1),  # the one used 10 minutes ago has timed out
    ):
        assert value(after, metric) == value(before, metric) + added, metric


def _add_erp_activity(path: Path, moment: dt.datetime) -> None:
    """Rows as Tryton writes them (naive UTC text timestamps) in a copy of the demo ERP."""

    def at(minutes_ago):
        return (moment - dt.timedelta(minutes=minutes_ago)).replace(tzinfo=None).isoformat(" ")

    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO ir_error (origin, message, state, create_date, create_uid) "
            "VALUES (?, 'boom', 'unsolved', ?, 0)",
            [("ir.cron,3", at(5)), ("sale.sale,1", at(5)), ("ir.cron,3", at(120))],
        )
        conn.execute(
            "INSERT INTO ir_queue (name, data, enqueued_at, create_date, create_uid) "
            "VALUES ('default', '{}', ?, ?, 0)",
            (at(1), at(1)),
        )
        conn.executemany(
            "INSERT INTO res_user_login_attempt (login, create_date, create_uid) VALUES (?, ?, 0)",
            [("admin", at(2)), ("bob", at(30))],
        )
        conn.executemany(
            "INSERT INTO ir_session (key, create_date, write_date, create_uid) VALUES (?, ?, ?, 0)",
            [("k1", at(100), at(1)), ("k2", at(10), None)],
        )


@pytest.mark.slow
@pytest.mark.postgres
def test_tryton_metrics_on_postgresql(tryton_postgres_db):
    samples = collect_safely(TrytonCollector("demo", tryton_postgres_db), now())
    assert value(samples, "collector.up") == 1
    assert value(samples, "erp.queue.backlog") >= 0
    assert value(samples, "erp.sessions.active") >= 0


def test_tryton_rpc_up_and_latency(trytond_server):
    url, _process = trytond_server
    samples = collect_safely(TrytonRpcCollector("demo", url), now())
    assert value(samples, "erp.rpc.up") == 1
    assert 0 < value(samples, "erp.rpc.latency_seconds") < 5
    assert value(samples, "collector.up", collector="tryton_rpc") == 1


def test_tryton_rpc_down_is_up_0():
    closed = f"http://127.0.0.1:{free_port()}/"
    samples = collect_safely(TrytonRpcCollector("demo", closed), now())
    assert value(samples, "erp.rpc.up") == 0
    assert "erp.rpc.latency_seconds" not in by_metric(samples)
    assert value(samples, "collector.up", collector="tryton_rpc") == 1  # the ERP is down


def test_registry_picks_collectors_by_engine_and_erp():
    def names(url, server=""):
        return [c.name for c in target_collectors(TargetSpec("t", url, "tryton", server))]

    assert names("sqlite:////tmp/x.sqlite") == ["sqlite", "tryton"]
    assert names("postgresql://u@h/db", "http://erp:8000/") == [
        "postgresql",
        "tryton",
        "tryton_rpc",
    ]
    assert names("mysql://u@h/db") == ["mysql"]
