"""PostgreSQL backup engine against a real server: a Tryton ERP survives a round trip with the
same rows and schema, the parallel streams share one snapshot while pgbench writes, owners and
privileges follow the roles the destination has, and failures and cancels leave nothing behind
and never show a password."""

from __future__ import annotations

import json
import random
import re
import subprocess
import time
import uuid
from pathlib import Path

import psutil
import psycopg
import pytest

from erpkeeper.backups.engines import get_engine
from erpkeeper.backups.engines.base import DestinationExists, EngineError, ToolMissing
from erpkeeper.backups.engines.pg import copyrows, restore, workers
from erpkeeper.backups.engines.pg.copyrows import CopyRowCounter
from erpkeeper.backups.engines.postgresql import PostgresqlEngine

pytestmark = pytest.mark.postgres

SAMPLE = r"""
CREATE TABLE customer (id serial PRIMARY KEY, name text NOT NULL UNIQUE, note text);
CREATE TABLE "Order Line" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id int NOT NULL REFERENCES customer (id),
    amount numeric(12, 2) CHECK (amount >= 0),
    memo text);
CREATE INDEX order_line_customer ON "Order Line" (customer_id);
COMMENT ON INDEX order_line_customer IS 'lookups by customer';
CREATE TABLE notes (body text);
CREATE TABLE empty_table (id int);
CREATE TABLE events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX events_at ON events (at);
CREATE VIEW customer_totals AS
    SELECT c.name, sum(o.amount) AS total
    FROM customer c JOIN "Order Line" o ON o.customer_id = c.id GROUP BY c.name;
CREATE MATERIALIZED VIEW line_counts AS
    SELECT customer_id, count(*) AS lines FROM "Order Line" GROUP BY customer_id;
CREATE UNIQUE INDEX line_counts_customer ON line_counts (customer_id);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
    $$BEGIN NEW.note := coalesce(NEW.note, 'touched'); RETURN NEW; END$$;
CREATE TRIGGER customer_touch BEFORE INSERT ON customer FOR EACH ROW EXECUTE FUNCTION touch();
COMMENT ON TABLE customer IS 'who buys';
INSERT INTO customer (name) SELECT 'customer ' || i FROM generate_series(1, 500) i;
INSERT INTO "Order Line" (customer_id, amount, memo)
    SELECT 1 + i % 500, i / 100.0, E'line\nwith a newline, a tab\t and \\. ' || i
    FROM generate_series(1, 20000) i;
INSERT INTO notes VALUES (E'\\.'), (E'two\nlines'), ('');
INSERT INTO events SELECT i, date '2024-06-01' + i FROM generate_series(1, 300) i;
SELECT lo_from_bytea(0, 'a large object');
REFRESH MATERIALIZED VIEW line_counts;
"""


# --- helpers ---------------------------------------------------------------------------------
class FileSink:
    def __init__(self, root: Path, delay: float = 0.0):
        self.root = root
        self.delay = delay
        self.writers: list[FileWriter] = []

    def open(self, name):
        writer = FileWriter(self.root / name, self.delay)
        self.writers.append(writer)
        return writer


class FileWriter:
    def __init__(self, path: Path, delay: float):
        self.handle = open(path, "wb")  # noqa: SIM115 (the engine closes it)
        self.delay = delay

    def write(self, data):
        time.sleep(self.delay)
        return self.handle.write(data)

    def close(self):
        self.handle.close()

    @property
    def closed(self):
        return self.handle.closed


class FileSource:
    def __init__(self, root: Path):
        self.root = root

    def open(self, name):
        return open(self.root / name, "rb")  # noqa: SIM115 (the engine closes it)


def no_progress(done, message):
    pass


def run_sql(url: str, script: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(script)


def query(url: str, statement: str):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(statement).fetchone()[0]


CASTS = re.compile(r"::[a-z ]+(?:\[\])?")


def schema_of(url: str) -> list[str]:
    output = subprocess.run(
        ["pg_dump", "--schema-only", f"--dbname={url}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line for line in output.splitlines() if not line.startswith(("\\restrict", "\\un"))]
    # PostgreSQL deparses "varchar_column = ANY (ARRAY[...])" differently once restored (after
    # pg_restore too): compare without casts and parentheses.
    return [CASTS.sub("", line).replace("(", "").replace(")", "") for line in lines]


@pytest.fixture
def scratch_url(postgres_server_url):
    """URLs of databases that do not exist yet; dropped after the test."""
    names = []

    def make() -> str:
        names.append("ek_test_restore_" + uuid.uuid4().hex[:10])
        return f"{postgres_server_url.rsplit('/', 1)[0]}/{names[-1]}"

    yield make
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sample_db(postgres_database):
    run_sql(postgres_database, SAMPLE)
    return postgres_database


@pytest.fixture
def artifacts_dir(tmp_path):
    path = tmp_path / "artifacts"
    path.mkdir()
    return path


# --- row counting ----------------------------------------------------------------------------
def naive_counts(stream: bytes) -> dict[str, int]:
    counts, table = {}, None
    for line in stream.split(b"\n"):
        if table is None and line.startswith(b"COPY "):
            table, rows = line, 0
        elif table is not None and line == b"\\.":
            counts[table], table = rows, None
        elif table is not None:
            rows += 1
    return counts


@pytest.mark.parametrize("search", ["memmem", "bytes.find"])
def test_rows_are_counted_whatever_the_block_boundaries(search, monkeypatch):
    if search == "bytes.find":
        monkeypatch.setattr(copyrows, "find_in", copyrows.python_find)
    elif copyrows.libc_find() is None:
        pytest.skip("this platform's C library has no memmem")
    stream = (
        b"SET client_encoding = 'UTF8';\n--\n-- Data for Name: x\n--\n\n"
        b'COPY public."Weird ""T""" (id, "x y") FROM stdin;\n1\ta\\nb\n2\t\\\\.\n\\.\n\n'
        b"COPY public.empty (id) FROM stdin;\n\\.\n\n"
        b"COPY sales.big (id, blob) FROM stdin;\n"
        + b"".join(b"%d\t%s\n" % (i, b"x" * (i * 37 % 3000)) for i in range(2000))
        + b"\\.\n\nSELECT pg_catalog.setval('public.s', 3, true);\n"
    )
    expected = [2, 0, 2000]
    assert list(naive_counts(stream).values()) == expected
    rng = random.Random(7)
    for _trial in range(200):
        counter, pos = CopyRowCounter(), 0
        while pos < len(stream):
            size = rng.choice([1, 2, 3, 5, 64, 4096, 1 << 16])
            counter.feed(stream[pos : pos + size])
            pos += size
        assert counter.counts == {
            'public.Weird "T"': 2,
            "public.empty": 0,
            "sales.big": 2000,
        }


def test_the_memmem_search_finds_what_bytes_find_finds():
    find = copyrows.libc_find()
    if find is None:
        pytest.skip("this platform's C library has no memmem")
    stream = b"1\ta\n\\.\n\nCOPY x FROM stdin;\n\\.\n"
    needle = copyrows.LINE_END_OF_DATA
    for start in range(len(stream) + 2):
        for end in range(len(stream) + 3):
            assert find(stream, needle, start, end) == stream.find(needle, start, end)


# --- round trips -----------------------------------------------------------------------------
@pytest.mark.slow
def test_a_tryton_database_restores_with_the_same_rows_and_schema(
    tryton_postgres_db, scratch_url, artifacts_dir
):
    engine = get_engine("postgresql")(tryton_postgres_db)
    engine.check_tools()
    result = engine.dump(FileSink(artifacts_dir), no_progress)
    copy = scratch_url()
    restored = engine.restore(FileSource(artifacts_dir), result.artifacts, copy, no_progress)

    assert result.engine_version.startswith("PostgreSQL ")
    assert result.row_counts["public.res_user"] > 0
    assert result.row_counts == engine.row_counts(tryton_postgres_db)
    assert engine.row_counts(copy) == result.row_counts
    assert schema_of(copy) == schema_of(tryton_postgres_db)
    assert restored.details["warnings"] == []
    assert restored.raw_bytes == result.raw_bytes
    assert engine.exists(copy)
    engine.drop(copy)
    assert not engine.exists(copy)


def test_the_parallel_path_puts_each_table_in_one_stream_and_restores_identically(
    sample_db, scratch_url, artifacts_dir
):
    engine = PostgresqlEngine(sample_db, min_split_bytes=0, large_table_bytes=0)
    result = engine.dump(FileSink(artifacts_dir), no_progress, jobs=2)
    data = [name for name in result.artifacts if name.startswith("pg-data-")]
    # Two groups of large tables (every table is large here) and one for the rest (sequences
    # not owned by a table, large objects), taken by two workers.
    assert len(data) == 3 and result.details["jobs"] == 2

    copied_tables, sequence_sets = [], []
    for name in data:
        script = (artifacts_dir / name).read_bytes()
        copied_tables += re.findall(rb"^COPY (\S+) ", script, re.MULTILINE)
        sequence_sets += re.findall(rb"^SELECT pg_catalog.setval\('([^']+)'", script, re.MULTILINE)
    assert len(copied_tables) == len(set(copied_tables)) == len(result.row_counts) == 6
    assert sorted(sequence_sets) == [b'public."Order Line_id_seq"', b"public.customer_id_seq"]

    copy = scratch_url()
    engine.restore(FileSource(artifacts_dir), result.artifacts, copy, no_progress, jobs=2)
    assert engine.row_counts(copy) == result.row_counts == engine.row_counts(sample_db)
    assert result.row_counts["public.notes"] == 3
    assert result.row_counts["public.events_2024"] + result.row_counts["public.events_2025"] == 300
    assert schema_of(copy) == schema_of(sample_db)
    assert query(copy, "SELECT lines FROM line_counts WHERE customer_id = 7") == 40
    assert query(copy, "SELECT convert_from(lo_get(oid), 'UTF8') FROM pg_largeobject_metadata")
    assert query(copy, "SELECT nextval('customer_id_seq')") == 501


def test_restoring_over_an_existing_database_is_refused_and_leaves_it_untouched(
    sample_db, postgres_server_url, scratch_url, artifacts_dir
):
    existing = scratch_url()
    name = existing.rsplit("/", 1)[1]
    run_sql(postgres_server_url, f'CREATE DATABASE "{name}"')
    run_sql(existing, "CREATE TABLE keep_me (id int); INSERT INTO keep_me VALUES (1)")
    engine = PostgresqlEngine(sample_db)
    result = engine.dump(FileSink(artifacts_dir), no_progress)

    refused = f"{name} already exists on 127.0.0.1:5432.*replace"
    with pytest.raises(DestinationExists, match=refused):
        engine.restore(FileSource(artifacts_dir), result.artifacts, existing, no_progress)
    assert query(existing, "SELECT count(*) FROM keep_me") == 1

    engine.restore(FileSource(artifacts_dir), result.artifacts, existing, no_progress, replace=True)
    assert query(existing, "SELECT to_regclass('keep_me')") is None
    assert engine.row_counts(existing) == result.row_counts


def test_a_dump_while_pgbench_writes_is_one_snapshot_across_streams(
    postgres_database, scratch_url, artifacts_dir
):
    database = postgres_database.rsplit("/", 1)[1]
    pgbench = ["pgbench", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
    subprocess.run([*pgbench, "-i", "-s", "2", "-q", database], check=True, capture_output=True)
    writers = subprocess.Popen(
        [*pgbench, "-c", "2", "-T", "8", "-n", database],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 5
        while query(postgres_database, "SELECT count(*) FROM pgbench_history") < 50:
            assert time.monotonic() < deadline, "pgbench does not write"
            time.sleep(0.05)
        engine = PostgresqlEngine(postgres_database, min_split_bytes=0, large_table_bytes=0)
        result = engine.dump(FileSink(artifacts_dir), no_progress, jobs=2)
        written_since = query(postgres_database, "SELECT count(*) FROM pgbench_history")
    finally:
        writers.terminate()
        writers.wait()
    assert written_since > result.row_counts["public.pgbench_history"], "no writes during the dump"
    assert result.details["jobs"] == 2

    copy = scratch_url()
    engine.restore(FileSource(artifacts_dir), result.artifacts, copy, no_progress, jobs=2)
    history = query(copy, "SELECT sum(delta) FROM pgbench_history")
    assert history is not None
    for table, column in (
        ("accounts", "abalance"),
        ("tellers", "tbalance"),
        ("branches", "bbalance"),
    ):
        assert query(copy, f"SELECT sum({column}) FROM pgbench_{table}") == history, table
    assert engine.row_counts(copy) == result.row_counts


# --- owners and privileges -------------------------------------------------------------------
def test_owners_and_grants_follow_the_roles_the_destination_has(
    postgres_server_url, sample_db, scratch_url, tmp_path
):
    role = "ek_owner_" + uuid.uuid4().hex[:8]
    admin = psycopg.connect(postgres_server_url, autocommit=True)
    admin.execute(f"CREATE ROLE {role} NOLOGIN")
    try:
        run_sql(
            sample_db,
            f"ALTER TABLE notes OWNER TO {role}; GRANT SELECT ON customer TO {role};"
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {role} GRANT SELECT ON TABLES TO PUBLIC",
        )
        owner_of_notes = "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'notes'"
        engine = PostgresqlEngine(sample_db)
        (tmp_path / "dump").mkdir()
        result = engine.dump(FileSink(tmp_path / "dump"), no_progress)

        with_role = scratch_url()
        restored = engine.restore(
            FileSource(tmp_path / "dump"), result.artifacts, with_role, no_progress
        )
        assert restored.details["warnings"] == []
        assert query(with_role, owner_of_notes) == role
        assert schema_of(with_role) == schema_of(sample_db)

        for url in (sample_db, with_role):
            run_sql(url, f"REASSIGN OWNED BY {role} TO postgres; DROP OWNED BY {role}")
        admin.execute(f"DROP ROLE {role}")

        without_role = scratch_url()
        restored = engine.restore(
            FileSource(tmp_path / "dump"), result.artifacts, without_role, no_progress
        )
        assert query(without_role, owner_of_notes) == "postgres"
        assert restored.details["owners_skipped"] == {role: 1}
        assert restored.details["grants_skipped"] == {role: 2}
        assert role in restored.details["warnings"][0]
        assert engine.row_counts(without_role) == result.row_counts
    finally:
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.close()


def test_a_locale_the_destination_lacks_falls_back_to_the_server_default_with_a_warning(
    sample_db, scratch_url, artifacts_dir
):
    engine = PostgresqlEngine(sample_db)
    result = engine.dump(FileSink(artifacts_dir), no_progress)
    described = artifacts_dir / "pg-database.json"
    database = json.loads(described.read_text())
    assert database["encoding"] == "UTF8" and database["owner"] == "postgres"
    described.write_text(json.dumps({**database, "collate": "xx_XX.UTF-8", "ctype": "xx_XX.UTF-8"}))

    copy = scratch_url()
    restored = engine.restore(FileSource(artifacts_dir), result.artifacts, copy, no_progress)
    assert "xx_XX.UTF-8" in restored.details["warnings"][0]
    assert engine.row_counts(copy) == result.row_counts


# --- failures --------------------------------------------------------------------------------
def test_a_failing_post_data_item_stops_the_restore_naming_it_and_drops_the_copy(
    sample_db, scratch_url, artifacts_dir
):
    engine = PostgresqlEngine(sample_db)
    result = engine.dump(FileSink(artifacts_dir), no_progress)
    post_data = artifacts_dir / "pg-post-data.sql"
    post_data.write_bytes(
        post_data.read_bytes().replace(
            b'"Order Line" USING btree (customer_id)', b'"Order Line" USING btree (no_such_column)'
        )
    )
    copy = scratch_url()
    with pytest.raises(EngineError, match='INDEX.*order_line_customer.*"no_such_column"'):
        engine.restore(FileSource(artifacts_dir), result.artifacts, copy, no_progress)
    assert not engine.exists(copy)


def test_a_failed_replace_leaves_the_old_database_as_it_was(
    sample_db, postgres_server_url, scratch_url, artifacts_dir
):
    existing = scratch_url()
    run_sql(postgres_server_url, f'CREATE DATABASE "{existing.rsplit("/", 1)[1]}"')
    run_sql(existing, "CREATE TABLE keep_me (id int); INSERT INTO keep_me VALUES (1)")
    engine = PostgresqlEngine(sample_db)
    result = engine.dump(FileSink(artifacts_dir), no_progress)
    post_data = artifacts_dir / "pg-post-data.sql"
    post_data.write_bytes(post_data.read_bytes().replace(b"(customer_id)", b"(no_such_column)"))

    with pytest.raises(EngineError, match="no_such_column"):
        engine.restore(
            FileSource(artifacts_dir), result.artifacts, existing, no_progress, replace=True
        )

    assert query(existing, "SELECT count(*) FROM keep_me") == 1
    leftovers = query(
        postgres_server_url, "SELECT count(*) FROM pg_database WHERE datname LIKE '%_ekrestore_%'"
    )
    assert leftovers == 0


def test_missing_client_programs_name_the_package(sample_db, tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    engine = PostgresqlEngine(sample_db)
    with pytest.raises(ToolMissing, match="pg_dump not found.*apt install postgresql-client"):
        engine.check_tools()
    with pytest.raises(ToolMissing, match="pg_dump not found"):
        engine.dump(FileSink(tmp_path), no_progress)
    with pytest.raises(ToolMissing, match="psql not found.*dnf install postgresql"):
        engine.restore(FileSource(tmp_path), [], sample_db, no_progress)


def test_a_pg_dump_older_than_the_server_is_refused_naming_both_versions(sample_db, tmp_path):
    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    engine = PostgresqlEngine(sample_db, binaries_dir=str(tmp_path))
    with pytest.raises(
        EngineError, match=r"pg_dump 9\.6\.24 cannot dump a PostgreSQL 1\d\.\d+ server"
    ):
        engine.dump(FileSink(tmp_path), no_progress)


@pytest.mark.parametrize("port", [5432, 1], ids=["unknown role", "nothing listening"])
def test_connection_failures_never_show_the_password(sample_db, port, tmp_path, artifacts_dir):
    secret_url = f"postgresql://nobody:s3cretpw@127.0.0.1:{port}/x"
    engine = PostgresqlEngine(secret_url)
    attempts = [
        engine.estimate_bytes,
        lambda: engine.dump(FileSink(tmp_path), no_progress),
        lambda: engine.row_counts(secret_url),
        lambda: engine.exists(secret_url),
    ]
    good = PostgresqlEngine(sample_db)
    result = good.dump(FileSink(artifacts_dir), no_progress)
    attempts.append(
        lambda: good.restore(FileSource(artifacts_dir), result.artifacts, secret_url, no_progress)
    )
    for attempt in attempts:
        with pytest.raises(EngineError) as caught:
            attempt()
        message = str(caught.value)
        assert "s3cretpw" not in message
        assert "127.0.0.1" in message and "\n" not in message


def test_the_password_stays_out_of_pg_dump_argv(sample_db, tmp_path, monkeypatch):
    # Trust authentication on the test server: the password is accepted and ignored.
    # What every child is started with, as ``ps`` would show it (watching the live processes
    # missed the pg_dumps of this small database, which end within milliseconds).
    with_password = sample_db.replace("postgres@", "postgres:s3cretpw@")
    seen = []
    popen = subprocess.Popen

    def recording_popen(argv, *args, **kwargs):
        seen.append(" ".join(argv))
        return popen(argv, *args, **kwargs)

    monkeypatch.setattr(workers.subprocess, "Popen", recording_popen)
    PostgresqlEngine(with_password).dump(FileSink(tmp_path), no_progress)
    assert sum("--section=" in cmdline for cmdline in seen) == 3  # pre-data, data, post-data
    assert not any("s3cretpw" in cmdline for cmdline in seen)


def test_a_cancel_stops_every_pg_dump_and_closes_every_writer(postgres_database, tmp_path):
    database = postgres_database.rsplit("/", 1)[1]
    subprocess.run(
        ["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-i", "-s", "1", "-q", database],
        check=True,
        capture_output=True,
    )

    class Cancelled(Exception):
        pass

    def cancel_after_a_megabyte(done, message):
        if done >= 1 << 20:
            raise Cancelled

    sink = FileSink(tmp_path, delay=0.2)
    engine = PostgresqlEngine(postgres_database, min_split_bytes=0, large_table_bytes=0)
    with pytest.raises(Cancelled):
        engine.dump(sink, cancel_after_a_megabyte, jobs=2)
    assert sink.writers and all(writer.closed for writer in sink.writers)
    children = [child.name() for child in psutil.Process().children(recursive=True)]
    assert "pg_dump" not in children
    sessions = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pg_dump'"
    deadline = time.monotonic() + 5
    while query(postgres_database, sessions):  # the server notices closed sockets soon after
        assert time.monotonic() < deadline, "pg_dump sessions still open on the server"
        time.sleep(0.05)


def test_a_database_created_by_another_process_meanwhile_is_refused_in_one_line(
    postgres_server_url, scratch_url
):
    # Two restores that checked the same free name in the same second: the second must fail
    # as "exists", not with the server's UniqueViolation traceback.
    name = scratch_url().rsplit("/", 1)[1]
    run_sql(postgres_server_url, f'CREATE DATABASE "{name}"')
    with (
        psycopg.connect(postgres_server_url, autocommit=True) as conn,
        pytest.raises(DestinationExists, match="created by someone else meanwhile"),
    ):
        restore.create_database(conn, name, {"encoding": "UTF8"}, set())
