"""The backup, restore and drill commands as an operator uses them, on a real Tryton ERP."""

import json
import sqlite3

import pytest

from erpkeeper.backups.models import Backup, Drill
from erpkeeper.cli import EXIT_NOT_FOUND, main
from erpkeeper.core.models import Job
from erpkeeper.lib import dburl

# The CLI runs the job in a thread with its own connection: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _count(url, table="sale_sale"):
    with sqlite3.connect(dburl.parse(url).path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_run_list_show_and_verify_a_backup(capsys, sqlite_backup_target):
    code, out, err = run(capsys, "backup", "run", "shop")
    assert code == 0, err
    backup = Backup.objects.get()
    assert backup.status == "succeeded" and backup.job.status == Job.Status.SUCCEEDED

    code, out, _ = run(capsys, "--json", "backup", "list", "shop")
    assert json.loads(out)[0]["id"] == backup.pk

    code, out, _ = run(capsys, "backup", "show", str(backup.pk))
    assert "database/sqlite.db.zst.enc" in out and "sha256" in out

    code, out, err = run(capsys, "backup", "verify", str(backup.pk))
    assert code == 0, err
    backup.refresh_from_db()
    assert backup.verify_ok is True


def test_restore_defaults_to_a_new_database_and_refuses_the_live_one(capsys, sqlite_backup_target):
    run(capsys, "backup", "run", "shop")
    backup = Backup.objects.get()
    live = sqlite_backup_target.database_url

    code, out, err = run(capsys, "restore", str(backup.pk), "--to", live)
    assert code == 1 and "needs replace" in err
    assert not Job.objects.filter(kind="backup.restore").exists()

    code, out, err = run(capsys, "--json", "restore", str(backup.pk))
    assert code == 0, err
    job = Job.objects.get(kind="backup.restore")
    assert "to_url" not in job.params  # a URL may hold a password: only its encrypted form
    restored = backup.restores.get()
    assert "restored" in restored.destination_masked


def test_drill_run_and_report(capsys, sqlite_backup_target, tmp_path):
    run(capsys, "backup", "run", "shop")
    code, out, err = run(capsys, "drill", "run", "shop")
    assert code == 0, err
    drill = Drill.objects.get()
    assert drill.status == "succeeded"

    code, out, _ = run(capsys, "drill", "show", str(drill.pk))
    assert "Row counts match the manifest" in out

    report = tmp_path / "report.html"
    code, out, _ = run(capsys, "drill", "report", str(drill.pk), "-o", str(report))
    assert code == 0 and "RTO" in report.read_text()


def test_policy_changes_are_validated_and_shown(capsys, sqlite_backup_target):
    code, out, err = run(capsys, "backup", "policy", "shop", "--schedule", "not a cron")
    assert code == 2 and "cron" in err

    code, out, err = run(
        capsys,
        "--json",
        "backup",
        "policy",
        "shop",
        "--schedule",
        "30 1 * * *",
        "--keep-last",
        "5",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["backup_cron"] == "30 1 * * *" and data["keep_last"] == 5


def test_unknown_backup_and_target_give_not_found(capsys, db):
    assert run(capsys, "backup", "show", "999")[0] == EXIT_NOT_FOUND
    assert run(capsys, "backup", "run", "nowhere")[0] == EXIT_NOT_FOUND
    assert run(capsys, "drill", "report", "999")[0] == EXIT_NOT_FOUND
