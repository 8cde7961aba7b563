"""SQLite backup engine on the real Tryton demo database: consistent images while a writer
commits, restores that never leave a half-written or mismatched database in place."""

from __future__ import annotations

import contextlib
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest

from erpkeeper.backups.engines import get_engine
from erpkeeper.backups.engines.base import DestinationExists, EngineError
from erpkeeper.backups.engines.sqlite import SqliteEngine
from tests.fixtures.backups import FileSink, FileSource, no_progress


def path_of(url: str) -> Path:
    return Path(url.removeprefix("sqlite://"))


def integrity(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def dump(url: str, tmp_path: Path, progress=no_progress):
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir(exist_ok=True)
    result = SqliteEngine(url).dump(FileSink(artifacts), progress)
    return result, FileSource(artifacts)


class PairWriter(threading.Thread):
    """Commits two rows per transaction until stopped: any torn image has an odd count."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.committed = 0
        self.error: BaseException | None = None

    def run(self):
        try:
            with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as conn:
                conn.isolation_level = None
                while not self.stop.is_set():
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute("INSERT INTO pairs (half) VALUES (1)")
                    conn.execute("INSERT INTO pairs (half) VALUES (2)")
                    conn.execute("COMMIT")
                    self.committed += 2
                    # A busy ERP, not a tight loop: that would starve any reader's lock.
                    time.sleep(0.001)
        except BaseException as exc:  # reported by the test
            self.error = exc


def add_pairs_table(path: Path, journal_mode: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA journal_mode={journal_mode}")
        conn.execute("CREATE TABLE pairs (id INTEGER PRIMARY KEY, half INTEGER NOT NULL)")
        conn.commit()


def test_the_engine_is_registered_as_sqlite():
    assert get_engine("sqlite") is SqliteEngine


def test_round_trip_of_the_tryton_demo_keeps_every_row_and_passes_integrity_check(
    tryton_sqlite_db, tmp_path
):
    engine = SqliteEngine(tryton_sqlite_db)
    result, source = dump(tryton_sqlite_db, tmp_path)

    assert result.artifacts == ["sqlite.db"]
    assert result.engine_version.startswith("SQLite 3.")
    assert result.details == {"staged_copy": False, "journal_mode": "delete"}
    assert result.raw_bytes == path_of(tryton_sqlite_db).stat().st_size
    assert result.row_counts["sale_sale"] > 0
    assert result.row_counts == engine.row_counts(tryton_sqlite_db)

    restored = tmp_path / "restored" / "demo.sqlite"
    outcome = engine.restore(source, result.artifacts, f"sqlite:///{restored}", no_progress)

    assert outcome.raw_bytes == result.raw_bytes
    assert engine.row_counts(str(restored)) == result.row_counts
    assert integrity(restored) == "ok"
    assert sorted(p.name for p in restored.parent.iterdir()) == ["demo.sqlite"]


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_a_writer_committing_during_the_dump_never_tears_the_image(
    tryton_sqlite_db, tmp_path, journal_mode
):
    source_path = path_of(tryton_sqlite_db)
    add_pairs_table(source_path, journal_mode)
    writer = PairWriter(source_path)
    writer.start()
    while writer.committed < 20:
        time.sleep(0.01)

    def slow_progress(done, message):
        time.sleep(0.05)  # keeps the dump open long enough for the writer to try to commit

    try:
        result, source = dump(tryton_sqlite_db, tmp_path, slow_progress)
        time.sleep(0.1)
    finally:
        writer.stop.set()
        writer.join(10)
    assert writer.error is None
    assert result.details["staged_copy"] is (journal_mode == "wal")
    dumped = result.row_counts["pairs"]
    assert dumped % 2 == 0
    assert writer.committed > dumped  # the writer went on after the snapshot

    restored = tmp_path / "restored.sqlite"
    SqliteEngine(tryton_sqlite_db).restore(source, result.artifacts, str(restored), no_progress)
    assert integrity(restored) == "ok"
    assert SqliteEngine(str(restored)).row_counts(str(restored)) == result.row_counts


def test_the_wal_snapshot_is_staged_privately_and_removed(tryton_sqlite_db, tmp_path, settings):
    add_pairs_table(path_of(tryton_sqlite_db), "wal")
    staging = tmp_path / "staging"
    staging.mkdir()
    settings.BACKUP_STAGING = str(staging)
    seen = []

    def inspect_staging(done, message):
        for directory in staging.iterdir():
            seen.append(stat.S_IMODE(directory.stat().st_mode))
            seen.extend(stat.S_IMODE(f.stat().st_mode) for f in directory.iterdir())

    result, _ = dump(tryton_sqlite_db, tmp_path, inspect_staging)

    assert result.details == {"staged_copy": True, "journal_mode": "wal"}
    assert seen[:2] == [0o700, 0o600]
    assert list(staging.iterdir()) == []


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_cancelling_the_dump_leaves_no_staged_copy_and_closes_the_writer(
    tryton_sqlite_db, tmp_path, settings, journal_mode
):
    add_pairs_table(path_of(tryton_sqlite_db), journal_mode)
    staging = tmp_path / "staging"
    staging.mkdir()
    settings.BACKUP_STAGING = str(staging)
    sink = FileSink(tmp_path)

    def cancel(done, message):
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        SqliteEngine(tryton_sqlite_db).dump(sink, cancel)

    assert list(staging.iterdir()) == []
    assert [handle.closed for handle in sink.opened] == [True]
    with contextlib.closing(sqlite3.connect(path_of(tryton_sqlite_db), timeout=1)) as conn:
        conn.execute("INSERT INTO pairs (half) VALUES (1)")  # no lock left behind
        conn.commit()


def test_an_existing_destination_is_refused_without_replace(tryton_sqlite_db, tmp_path):
    result, source = dump(tryton_sqlite_db, tmp_path)
    existing = tmp_path / "existing.sqlite"
    existing.write_bytes(b"keep me")

    with pytest.raises(DestinationExists, match="already exists"):
        SqliteEngine(tryton_sqlite_db).restore(source, result.artifacts, str(existing), no_progress)

    assert existing.read_bytes() == b"keep me"
    assert SqliteEngine(tryton_sqlite_db).exists(str(existing))


def test_replace_swaps_in_the_new_database_and_removes_the_old_journal(tryton_sqlite_db, tmp_path):
    result, source = dump(tryton_sqlite_db, tmp_path)
    old = tmp_path / "old.sqlite"
    with contextlib.closing(sqlite3.connect(old)) as conn:
        conn.execute("CREATE TABLE other (x)")
        conn.commit()
    (tmp_path / "old.sqlite-journal").write_bytes(b"stale journal of the old database")
    engine = SqliteEngine(tryton_sqlite_db)

    engine.restore(source, result.artifacts, f"sqlite:///{old}", no_progress, replace=True)

    assert engine.row_counts(str(old)) == result.row_counts
    assert integrity(old) == "ok"
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("old."))
    assert leftovers == ["old.sqlite"]


def test_a_damaged_artifact_is_refused_and_the_old_database_kept(tryton_sqlite_db, tmp_path):
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    (artifacts / "sqlite.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 8192)
    target = path_of(tryton_sqlite_db)
    before = target.read_bytes()
    engine = SqliteEngine(tryton_sqlite_db)

    with pytest.raises(EngineError, match="damaged"):
        engine.restore(FileSource(artifacts), ["sqlite.db"], str(target), no_progress, replace=True)

    assert target.read_bytes() == before
    assert not target.with_name(target.name + ".partial").exists()


def test_drop_removes_the_file_and_its_sidecars(tmp_path):
    target = tmp_path / "scratch.sqlite"
    with contextlib.closing(sqlite3.connect(target)) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
    (tmp_path / "scratch.sqlite-wal").write_bytes(b"")
    engine = SqliteEngine(str(target))
    assert engine.estimate_bytes() == target.stat().st_size

    engine.drop(f"sqlite:///{target}")

    assert not engine.exists(str(target))
    assert list(tmp_path.iterdir()) == []


def test_a_missing_database_is_a_one_line_error(tmp_path):
    engine = SqliteEngine(str(tmp_path / "missing.sqlite"))
    with pytest.raises(EngineError, match="not found") as caught:
        engine.dump(FileSink(tmp_path), no_progress)
    assert "\n" not in str(caught.value)
