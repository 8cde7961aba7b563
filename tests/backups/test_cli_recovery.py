"""The recovery commands as an operator reads them: a drill's verdict, its report in a language
and to a file that cannot be written, and the restores done (list, show)."""

import json

import pytest

from erpkeeper.accounts import services as accounts
from erpkeeper.backups import services
from erpkeeper.backups.models import Drill, Restore
from erpkeeper.cli import EXIT_FAILED, EXIT_NOT_FOUND, main

# The CLI runs the job in a thread with its own connection: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def drill(sqlite_backup_target):
    services.run_backup(sqlite_backup_target)
    return services.run_drill(sqlite_backup_target)


def test_drill_run_prints_the_verdict_rto_and_rpo(capsys, sqlite_backup_target):
    services.run_backup(sqlite_backup_target)
    code, out, err = run(capsys, "drill", "run", "shop")
    assert code == 0, err
    drill = Drill.objects.get()
    assert out.startswith(f"drill {drill.pk} succeeded: RTO ") and "; RPO " in out
    assert "met" in out and "job " not in out

    code, out, err = run(capsys, "--json", "drill", "run", "shop")
    assert code == 0, err
    data = json.loads(out)  # one JSON document, not the job's as well
    assert data["status"] == "succeeded" and "met" in data["rto"] and "met" in data["rpo"]
    assert data["checks"] and data["job"]


@pytest.mark.parametrize("where", ["missing", "directory"])
def test_drill_report_to_a_bad_path_is_one_line(capsys, drill, tmp_path, where):
    path = tmp_path / "no" / "such" / "report.html" if where == "missing" else tmp_path
    code, out, err = run(capsys, "drill", "report", str(drill.pk), "-o", str(path))
    assert code == EXIT_FAILED
    assert err.startswith("error: cannot write the report to") and len(err.splitlines()) == 1
    assert "Traceback" not in err

    code, out, err = run(capsys, "--json", "drill", "report", str(drill.pk), "-o", str(path))
    assert code == EXIT_FAILED and json.loads(out)["error"] == "unwritable"
    assert "Traceback" not in err


def test_drill_report_in_the_language_asked_or_the_users(capsys, drill, tmp_path, mark):
    code, out, err = run(capsys, "drill", "report", str(drill.pk), "--language", "zh-hans")
    assert code == 0, err
    assert 'lang="zh-hans"' in out
    # The chrome and the checks recorded during an English run, all in Chinese.
    assert "恢复目标" in out and "行数与清单一致" in out and "Row counts match" not in out
    # The ERP's own integrity checks too: the report is evidence, in one language throughout.
    assert "每张已过账的会计凭证借贷平衡" in out and "Every posted account move" not in out

    code, out, err = run(capsys, "drill", "report", str(drill.pk), "--language", "en")
    assert "Row counts match the manifest" in out and "行数" not in out

    accounts.set_language(mark, "zh-hans")
    code, out, err = run(capsys, "--as", "mark", "drill", "report", str(drill.pk))
    assert code == 0, err
    assert "行数与清单一致" in out


def test_api_report_is_in_the_requesting_users_language(api_client_for, mark, victor, drill):
    accounts.set_language(mark, "zh-hans")
    chinese = api_client_for(mark).get(f"/api/v1/drills/{drill.pk}/report/").content.decode()
    assert 'lang="zh-hans"' in chinese and "行数与清单一致" in chinese
    english = api_client_for(victor).get(f"/api/v1/drills/{drill.pk}/report/").content.decode()
    assert "Row counts match the manifest" in english


def test_restore_list_and_show(capsys, sqlite_backup_target, tmp_path):
    backup = services.run_backup(sqlite_backup_target)
    restore = services.restore_backup(backup, to_url=f"sqlite:///{tmp_path}/copy.sqlite")
    Restore.objects.filter(pk=restore.pk).update(warnings=["role erp missing: owner skipped"])

    code, out, err = run(capsys, "restore", "list")
    assert code == 0, err
    assert out.splitlines()[0].split()[:3] == ["ID", "BACKUP", "TARGET"]
    assert f"{restore.pk}" in out and "copy.sqlite" in out and "succeeded" in out

    code, out, err = run(capsys, "--json", "restore", "list", "--target", "shop")
    row = json.loads(out)[0]
    assert row["id"] == restore.pk and row["warnings"] == 1

    code, out, err = run(capsys, "restore", "show", str(restore.pk))
    assert code == 0, err
    assert "warning: role erp missing: owner skipped" in out
    code, out, err = run(capsys, "--json", "restore", "show", str(restore.pk))
    assert json.loads(out)["warnings"] == ["role erp missing: owner skipped"]

    assert run(capsys, "restore", "show", "999")[0] == EXIT_NOT_FOUND
    code, out, err = run(capsys, "restore", "lsit")
    assert code == 2 and len(err.splitlines()) == 1
