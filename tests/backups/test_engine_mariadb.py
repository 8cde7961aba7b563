"""MariaDB backup engine against a real server: every kind of object survives a round trip
into another database, the recorded row counts are those of the dumped snapshot while money
moves between accounts, and passwords stay out of argv and messages."""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pymysql
import pytest

from erpkeeper.backups.engines import get_engine
from erpkeeper.backups.engines.base import DestinationExists, EngineError, ToolMissing
from erpkeeper.backups.engines.mysql import MysqlEngine
from erpkeeper.lib import dburl
from tests.fixtures.backups import FileSink, FileSource, no_progress

pytestmark = pytest.mark.mariadb

TOTAL = 1_000_000
CHINESE = "你好，世界：ERP 运维管家 😀"
PHOTO = bytes(range(256)) * 64

SCHEMA = [
    "CREATE TABLE accounts (id INT PRIMARY KEY, owner VARCHAR(50) NOT NULL,"
    " balance BIGINT NOT NULL) ENGINE=InnoDB",
    "CREATE TABLE transfers (id INT AUTO_INCREMENT PRIMARY KEY, amount INT NOT NULL) ENGINE=InnoDB",
    "CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, transfer_id INT NOT NULL)"
    " ENGINE=InnoDB",
    "CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body TEXT NOT NULL,"
    " photo LONGBLOB) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TRIGGER transfer_audit AFTER INSERT ON transfers FOR EACH ROW"
    " INSERT INTO audit (transfer_id) VALUES (NEW.id)",
    "CREATE FUNCTION total_balance() RETURNS BIGINT READS SQL DATA"
    " RETURN (SELECT SUM(balance) FROM accounts)",
    "CREATE EVENT purge_audit ON SCHEDULE EVERY 1 DAY STARTS '2035-01-01 00:00:00' DISABLE"
    " DO DELETE FROM audit WHERE id < 0",
    "CREATE VIEW rich_accounts AS SELECT owner FROM accounts WHERE balance > 1000",
]


def connect(url: str):
    parsed = dburl.parse(url)
    return pymysql.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.user,
        password=parsed.password,
        database=parsed.database,
        charset="utf8mb4",
        autocommit=True,
    )


def query(url: str, sql: str, args=()) -> list[tuple]:
    with connect(url) as conn:
        cursor = conn.cursor()
        cursor.execute(sql, args)
        return list(cursor.fetchall())


def build_shop(url: str, notes: int = 20) -> None:
    with connect(url) as conn:
        cursor = conn.cursor()
        for statement in SCHEMA:
            cursor.execute(statement)
        cursor.execute("INSERT INTO accounts VALUES (1, 'alice', %s), (2, 'bob', 0)", (TOTAL,))
        cursor.executemany(
            "INSERT INTO notes (body, photo) VALUES (%s, %s)", [(CHINESE, PHOTO)] * notes
        )


def with_database(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + database


@pytest.fixture
def restore_url(mariadb_database):
    """A database name on the same server that does not exist yet; dropped after."""
    url = with_database(mariadb_database, "ek_restore_" + uuid.uuid4().hex[:12])
    yield url
    MysqlEngine(url).drop(url)


def dump(url: str, tmp_path: Path, progress=no_progress, **options):
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir(exist_ok=True)
    result = MysqlEngine(url, **options).dump(FileSink(artifacts), progress)
    return result, FileSource(artifacts)


class TransferWriter(threading.Thread):
    """Moves money from alice to bob, one transfer (and, by trigger, one audit row) per
    transaction, until stopped: a torn snapshot shows a wrong total or mismatched counts."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.committed = 0
        self.error: BaseException | None = None

    def run(self):
        try:
            with connect(self.url) as conn:
                cursor = conn.cursor()
                while not self.stop.is_set():
                    cursor.execute("START TRANSACTION")
                    cursor.execute("UPDATE accounts SET balance = balance - 3 WHERE id = 1")
                    cursor.execute("UPDATE accounts SET balance = balance + 3 WHERE id = 2")
                    cursor.execute("INSERT INTO transfers (amount) VALUES (3)")
                    cursor.execute("COMMIT")
                    self.committed += 1
        except BaseException as exc:  # reported by the test
            self.error = exc


def test_the_engine_is_registered_as_mysql():
    assert get_engine("mysql") is MysqlEngine


def test_round_trip_into_another_database_keeps_objects_rows_and_chinese_text(
    mariadb_database, restore_url, tmp_path
):
    build_shop(mariadb_database)
    engine = MysqlEngine(mariadb_database)
    assert engine.estimate_bytes() > 0

    result, source = dump(mariadb_database, tmp_path)

    assert result.artifacts == ["mysql.sql"]
    assert result.engine_version.startswith("MariaDB 10.")
    assert result.row_counts == {"accounts": 2, "audit": 0, "notes": 20, "transfers": 0}
    assert result.details["dump_program"] in {"mariadb-dump", "mysqldump"}
    assert b"CREATE DATABASE" not in (tmp_path / "artifacts" / "mysql.sql").read_bytes()

    outcome = engine.restore(source, result.artifacts, restore_url, no_progress)

    assert outcome.raw_bytes == result.raw_bytes
    assert engine.row_counts(restore_url) == result.row_counts
    assert query(restore_url, "SELECT DISTINCT body, photo FROM notes") == [(CHINESE, PHOTO)]
    assert query(restore_url, "SELECT total_balance()") == [(TOTAL,)]
    assert query(restore_url, "SELECT owner FROM rich_accounts") == [("alice",)]
    database = dburl.parse(restore_url).database
    assert query(
        restore_url,
        "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = %s",
        (database,),
    ) == [("transfer_audit",)]
    assert query(
        restore_url,
        "SELECT event_name, status FROM information_schema.events WHERE event_schema = %s",
        (database,),
    ) == [("purge_audit", "DISABLED")]


def test_transfers_during_the_dump_leave_the_total_and_the_counts_consistent(
    mariadb_database, restore_url, tmp_path
):
    build_shop(mariadb_database, notes=400)  # about 14 MB of hex: a dump that takes a while
    writer = TransferWriter(mariadb_database)
    writer.start()
    while writer.committed < 20:
        time.sleep(0.01)
    during = []

    def slow_progress(done, message):
        during.append(writer.committed)
        time.sleep(0.002)  # a slow destination: the snapshot stays open while writers go on

    try:
        result, source = dump(mariadb_database, tmp_path, slow_progress)
    finally:
        writer.stop.set()
        writer.join(10)
    assert writer.error is None
    assert during[-1] > during[0]  # writers were not blocked for the length of the dump
    assert result.details["writes_paused_seconds"] < 5
    counts = result.row_counts
    assert counts["transfers"] == counts["audit"] >= 20

    MysqlEngine(mariadb_database).restore(source, result.artifacts, restore_url, no_progress)

    assert MysqlEngine(restore_url).row_counts(restore_url) == counts
    assert query(restore_url, "SELECT SUM(balance), COUNT(*) FROM accounts") == [(TOTAL, 2)]
    assert query(restore_url, "SELECT balance FROM accounts WHERE id = 2") == [
        (3 * counts["transfers"],)
    ]


def test_enabled_events_come_back_disabled_in_a_copy_and_as_they_were_when_replacing(
    mariadb_database, restore_url, tmp_path
):
    build_shop(mariadb_database)
    query(
        mariadb_database,
        "CREATE EVENT `tidy ``up``` ON SCHEDULE EVERY 1 HOUR STARTS '2035-01-01 00:00:00'"
        " ENABLE DO DELETE FROM audit WHERE id < 0",
    )
    result, source = dump(mariadb_database, tmp_path)
    engine = MysqlEngine(mariadb_database)
    database = dburl.parse(restore_url).database
    statuses = (
        "SELECT event_name, status FROM information_schema.events WHERE event_schema = %s"
        " ORDER BY event_name"
    )

    copy = engine.restore(source, result.artifacts, restore_url, no_progress)
    assert query(restore_url, statuses, (database,)) == [
        ("purge_audit", "DISABLED"),
        ("tidy `up`", "DISABLED"),
    ]
    assert copy.details["events_disabled"] == ["tidy `up`"]
    assert "tidy `up`" in copy.details["warnings"][0]

    again = engine.restore(source, result.artifacts, restore_url, no_progress, replace=True)
    assert query(restore_url, statuses, (database,)) == [
        ("purge_audit", "DISABLED"),
        ("tidy `up`", "ENABLED"),
    ]
    assert "events_disabled" not in again.details


def test_an_existing_database_is_refused_without_replace_and_replaced_with_it(
    mariadb_database, restore_url, tmp_path
):
    build_shop(mariadb_database)
    result, source = dump(mariadb_database, tmp_path)
    engine = MysqlEngine(mariadb_database)
    engine.restore(source, result.artifacts, restore_url, no_progress)
    query(restore_url, "DELETE FROM notes")

    with pytest.raises(DestinationExists, match="already exists"):
        engine.restore(source, result.artifacts, restore_url, no_progress)
    assert engine.row_counts(restore_url)["notes"] == 0

    engine.restore(source, result.artifacts, restore_url, no_progress, replace=True)
    assert engine.row_counts(restore_url) == result.row_counts


def test_a_failing_restore_reports_the_client_error_and_drops_the_half_restored_database(
    mariadb_database, restore_url, tmp_path
):
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    # The client stops at the error while megabytes are still to come: a broken pipe.
    script = b"CREATE TABLE ok (id INT);\nTHIS IS NOT SQL;\n" + b"SELECT 1;\n" * 500_000
    (artifacts / "mysql.sql").write_bytes(script)
    engine = MysqlEngine(mariadb_database)

    with pytest.raises(EngineError, match="ERROR 1064") as caught:
        engine.restore(FileSource(artifacts), ["mysql.sql"], restore_url, no_progress)

    assert "\n" not in str(caught.value)
    assert not engine.exists(restore_url)


def test_a_wrong_password_is_a_one_line_error_without_the_password(mariadb_database, tmp_path):
    parsed = dburl.parse(mariadb_database)
    url = f"mysql://{parsed.user}:Wr0ng-S3cret@{parsed.host}:{parsed.port}/{parsed.database}"

    with pytest.raises(EngineError, match="Access denied") as caught:
        dump(url, tmp_path)

    assert "Wr0ng-S3cret" not in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.fixture
def user_with_odd_password(mariadb_database):
    """A user whose password needs quoting in an option file."""
    password = "p#ss \"w\\rd\" 'x' ;="
    user = "ek_u_" + uuid.uuid4().hex[:8]
    database = dburl.parse(mariadb_database).database
    query(mariadb_database, "CREATE USER %s@'%%' IDENTIFIED BY %s", (user, password))
    query(mariadb_database, f"GRANT ALL ON `{database}`.* TO %s@'%%'", (user,))
    query(mariadb_database, "GRANT RELOAD ON *.* TO %s@'%%'", (user,))
    yield user, password
    query(mariadb_database, "DROP USER %s@'%%'", (user,))


def test_the_password_reaches_the_client_only_through_a_private_option_file(
    mariadb_database, user_with_odd_password, tmp_path, monkeypatch
):
    user, password = user_with_odd_password
    parsed = dburl.parse(mariadb_database)
    url = dburl.DatabaseUrl(
        engine="mysql",
        host=parsed.host,
        port=parsed.port,
        user=user,
        password=password,
        database=parsed.database,
    ).unparse()
    build_shop(url)  # as that user, who may then show its routine's definition
    launched = []
    real_popen = subprocess.Popen

    def recording_popen(command, **kwargs):
        option_file = command[1].split("=", 1)[1]
        launched.append((command, kwargs.get("env"), os.stat(option_file).st_mode & 0o777))
        return real_popen(command, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", recording_popen)

    result, _ = dump(url, tmp_path)

    assert result.row_counts["notes"] == 20
    ((command, env, mode),) = launched
    assert not any(password in argument for argument in command)
    assert env is None
    assert mode == 0o600
    assert not os.path.exists(command[1].split("=", 1)[1])


def test_a_held_table_lock_makes_the_dump_fail_quickly_and_release_writers(
    mariadb_database, tmp_path
):
    build_shop(mariadb_database)
    with connect(mariadb_database) as blocker:
        blocker.cursor().execute("LOCK TABLES accounts WRITE")
        started = time.monotonic()
        with pytest.raises(EngineError, match="cannot pause writes"):
            dump(mariadb_database, tmp_path, lock_wait_timeout=1)
        assert time.monotonic() - started < 10
    query(mariadb_database, "UPDATE accounts SET balance = balance WHERE id = 1")


def test_missing_client_programs_name_the_package_to_install(tmp_path):
    # No server needed: the programs are looked up before anything connects.
    engine = MysqlEngine("mysql://root@127.0.0.1:1/none", search_path=str(tmp_path))

    with pytest.raises(ToolMissing, match="mariadb-dump not found.*apt install mariadb-client"):
        engine.check_tools()
    with pytest.raises(ToolMissing):
        engine.dump(FileSink(tmp_path), no_progress)
    with pytest.raises(ToolMissing, match="mariadb not found"):
        engine.restore(FileSource(tmp_path), ["mysql.sql"], "elsewhere", no_progress)


def test_cancelling_the_dump_stops_mariadb_dump_and_closes_the_writer(
    mariadb_database, tmp_path, monkeypatch
):
    build_shop(mariadb_database, notes=100)
    sink = FileSink(tmp_path)
    processes = []
    real_popen = subprocess.Popen

    def recording_popen(command, **kwargs):
        processes.append(real_popen(command, **kwargs))
        return processes[-1]

    monkeypatch.setattr(subprocess, "Popen", recording_popen)

    def cancel(done, message):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        MysqlEngine(mariadb_database).dump(sink, cancel)

    assert [handle.closed for handle in sink.opened] == [True]
    assert [process.poll() is not None for process in processes] == [True]
    query(mariadb_database, "UPDATE accounts SET balance = balance WHERE id = 1")
