"""The target commands as an operator uses them: real Tryton databases, real failures."""

import json
import sqlite3

import pytest

from erpkeeper.cli import main
from erpkeeper.targets.models import Target

pytestmark = pytest.mark.django_db


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_checks_the_erp_and_reports_its_facts(capsys, tryton_sqlite_db):
    code, out, err = run(
        capsys,
        "--json",
        "target",
        "add",
        "shop",
        "--db-url",
        tryton_sqlite_db,
        "--rpo",
        "60",
        "--window",
        "sun 02:00 4h Asia/Shanghai",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["reachable"] == "yes"
    assert data["maintenance_windows"] == ["sun 02:00 4h Asia/Shanghai"]
    facts = data["facts"]
    assert facts["erp_version"].startswith("8.2")
    assert "sale" in facts["modules"]
    with sqlite3.connect(tryton_sqlite_db.removeprefix("sqlite://")) as erp:
        sales = erp.execute("SELECT count(*) FROM sale_sale").fetchone()[0]
    assert facts["counts"]["sales"] == sales > 0


def test_check_prints_version_modules_size_and_counts(capsys, tryton_sqlite_db):
    assert run(capsys, "target", "add", "shop", "--db-url", tryton_sqlite_db)[0] == 0
    code, out, err = run(capsys, "target", "check", "shop")
    assert code == 0, err
    assert "reachable" in out and "8.2" in out and "sqlite" in out and "sales" in out


def test_list_and_show_never_reveal_the_password(capsys, tryton_sqlite_db):
    run(
        capsys,
        "target",
        "add",
        "pg",
        "--no-check",
        "--db-url",
        "postgresql://erp:TopSecret99@127.0.0.1:5432/tryton",
    )
    for argv in (["target", "list"], ["--json", "target", "list"], ["target", "show", "pg"]):
        code, out, err = run(capsys, *argv)
        assert code == 0
        assert "TopSecret99" not in out + err
        assert "erp:********@127.0.0.1" in out
    stored = Target.objects.get(name="pg")
    assert "TopSecret99" not in stored.database_url_encrypted
    assert stored.database_url.endswith("erp:TopSecret99@127.0.0.1:5432/tryton")


@pytest.mark.parametrize(
    "url, exit_code, reason",
    [
        ("mongodb://x/y", 2, "unsupported database scheme"),
        ("postgresql://erp@127.0.0.1:1/tryton", 1, "127.0.0.1:1"),
        ("/nonexistent/dir/erp.sqlite", 1, "does not exist"),
    ],
)
def test_bad_targets_are_refused_with_one_line_and_nothing_saved(capsys, url, exit_code, reason):
    code, out, err = run(capsys, "target", "add", "bad", "--db-url", url)
    assert code == exit_code
    assert reason in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not Target.objects.filter(name="bad").exists()


def test_a_database_that_is_not_tryton_is_named_as_such(capsys, tmp_path):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (id integer, body text)")
    code, out, err = run(capsys, "target", "add", "notes", "--db-url", str(other))
    assert code == 1
    assert "not a Tryton database" in err


def test_unknown_target_exits_3_and_duplicate_name_exits_2(capsys, tryton_sqlite_db):
    assert run(capsys, "target", "check", "ghost")[0] == 3
    assert run(capsys, "target", "add", "shop", "--db-url", tryton_sqlite_db)[0] == 0
    code, out, err = run(capsys, "target", "add", "shop", "--db-url", tryton_sqlite_db)
    assert code == 2 and "already exists" in err


def test_remove_needs_yes_without_a_terminal_and_keeps_the_erp(
    capsys, tryton_sqlite_db, monkeypatch
):
    run(capsys, "target", "add", "shop", "--db-url", tryton_sqlite_db)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert run(capsys, "target", "remove", "shop")[0] == 2
    assert run(capsys, "target", "remove", "shop", "--yes")[0] == 0
    assert not Target.objects.filter(name="shop").exists()
    assert (
        sqlite3.connect(tryton_sqlite_db.removeprefix("sqlite://"))
        .execute("SELECT count(*) FROM sale_sale")
        .fetchone()[0]
        > 0
    )


def test_a_check_that_fails_later_exits_1_and_marks_the_target_unreachable(
    capsys, tryton_sqlite_db
):
    run(capsys, "target", "add", "shop", "--db-url", tryton_sqlite_db)
    path = tryton_sqlite_db.removeprefix("sqlite://")
    import os

    os.rename(path, path + ".moved")
    code, out, err = run(capsys, "target", "check", "shop")
    assert code == 1 and "shop:" in err
    target = Target.objects.get(name="shop")
    assert target.last_check_ok is False and target.last_check_error
