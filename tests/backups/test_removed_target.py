"""Backups outlive their target: after the target is removed they can still be verified and
restored into a given database; removing a target keeps them unless deleting them is asked for."""

import json
import sqlite3
from pathlib import Path

import pytest

from erpkeeper.backups import services
from erpkeeper.backups.models import Backup, BackupStatus, Restore
from erpkeeper.cli import EXIT_FAILED, main
from erpkeeper.core.jobs import run_job
from erpkeeper.core.models import Job
from erpkeeper.lib import dburl
from erpkeeper.targets import services as targets


@pytest.fixture
def orphan(sqlite_backup_target):
    """A succeeded backup whose target was then removed (backups kept, the default)."""
    backup = services.run_backup(sqlite_backup_target)
    targets.remove_target(sqlite_backup_target)
    backup.refresh_from_db()
    assert backup.target is None and backup.status == BackupStatus.SUCCEEDED
    return backup


def _sales(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM sale_sale").fetchone()[0]


def _objects(backup) -> list[Path]:
    return list((Path(backup.destination.path) / backup.location).rglob("*.enc"))


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- API ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_verifies_and_restores_a_backup_of_a_removed_target(
    api_client_for, dave, orphan, tmp_path
):
    client = api_client_for(dave)
    verify = client.post(f"/api/v1/backups/{orphan.pk}/verify/")
    assert verify.status_code == 202, verify.content
    assert run_job(verify.json()["id"], heartbeat=False).status == Job.Status.SUCCEEDED
    orphan.refresh_from_db()
    assert orphan.verify_ok is True

    copy = tmp_path / "recovered.sqlite"
    restore = client.post(
        f"/api/v1/backups/{orphan.pk}/restore/", {"to_url": f"sqlite:///{copy}"}, format="json"
    )
    assert restore.status_code == 202, restore.content
    assert run_job(restore.json()["id"], heartbeat=False).status == Job.Status.SUCCEEDED
    assert _sales(copy) > 0

    nowhere = client.post(f"/api/v1/backups/{orphan.pk}/restore/", {}, format="json")
    assert nowhere.status_code == 422 and "removed" in nowhere.json()["detail"]


@pytest.mark.django_db
def test_api_removing_a_target_keeps_its_backups_unless_asked(
    api_client_for, olga, sqlite_backup_target
):
    backup = services.run_backup(sqlite_backup_target)
    client = api_client_for(olga)
    url = f"/api/v1/targets/{sqlite_backup_target.pk}/"
    assert client.delete(url + "?backups=maybe").status_code == 400
    assert client.delete(url).status_code == 204
    backup.refresh_from_db()
    assert backup.status == BackupStatus.SUCCEEDED and _objects(backup)


@pytest.mark.django_db
def test_api_removing_a_target_deletes_its_backups_when_asked(
    api_client_for, olga, sqlite_backup_target
):
    backup = services.run_backup(sqlite_backup_target)
    response = api_client_for(olga).delete(
        f"/api/v1/targets/{sqlite_backup_target.pk}/?backups=delete"
    )
    assert response.status_code == 204
    backup.refresh_from_db()
    assert backup.status == BackupStatus.DELETED and not _objects(backup)


# -- CLI ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_cli_verifies_and_restores_a_backup_of_a_removed_target(capsys, orphan, tmp_path):
    code, out, err = _run(capsys, "backup", "verify", str(orphan.pk))
    assert code == 0, err
    orphan.refresh_from_db()
    assert orphan.verify_ok is True

    copy = tmp_path / "recovered.sqlite"
    code, out, err = _run(capsys, "restore", str(orphan.pk), "--to", f"sqlite:///{copy}")
    assert code == 0, err
    assert Restore.objects.get().status == "succeeded" and _sales(copy) > 0

    code, out, err = _run(capsys, "--json", "restore", str(orphan.pk))
    assert code == EXIT_FAILED and "removed" in json.loads(out)["detail"]


@pytest.mark.django_db(transaction=True)
def test_cli_remove_keeps_backups_by_default_and_deletes_them_when_asked(
    capsys, sqlite_backup_target, tryton_sqlite_db
):
    kept = services.run_backup(sqlite_backup_target)
    code, out, err = _run(capsys, "--json", "target", "remove", "shop", "--yes")
    assert code == 0, err
    assert json.loads(out)["backups_kept"] == 1
    kept.refresh_from_db()
    assert kept.status == BackupStatus.SUCCEEDED and _objects(kept)

    again = targets.add_target(name="shop", database_url=tryton_sqlite_db)
    services.update_policy(services.policy_for(again), destination=kept.destination)
    deleted = services.run_backup(again)
    code, out, err = _run(capsys, "target", "remove", "shop", "--yes", "--delete-backups")
    assert code == 0, err
    assert "deleted 1 backup" in out
    deleted.refresh_from_db()
    assert deleted.status == BackupStatus.DELETED and not _objects(deleted)
    kept.refresh_from_db()
    assert kept.status == BackupStatus.SUCCEEDED  # another (older) target's backups stay
    assert Backup.objects.count() == 2  # rows stay as history
    assert Path(dburl.parse(tryton_sqlite_db).path).is_file()  # the ERP is never touched


# -- console ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_console_asks_what_to_do_with_the_backups_and_keeps_them_by_default(
    console_client_for, alice, sqlite_backup_target
):
    backup = services.run_backup(sqlite_backup_target)
    client = console_client_for(alice)
    url = f"/targets/target/{sqlite_backup_target.pk}/delete/"
    page = client.get(url).content.decode()
    assert 'data-testid="backups-choice"' in page
    assert 'value="keep" checked' in page and 'value="delete"' in page

    response = client.post(url, {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert "1 backups kept" in response.content.decode()
    backup.refresh_from_db()
    assert backup.status == BackupStatus.SUCCEEDED and backup.target is None
    # And the kept backup can still be restored from the console: the wizard opens.
    wizard = client.get(f"/backups/backup/{backup.pk}/restore/")
    assert wizard.status_code == 200


@pytest.mark.django_db
def test_console_deletes_the_backups_when_asked(console_client_for, alice, sqlite_backup_target):
    backup = services.run_backup(sqlite_backup_target)
    client = console_client_for(alice)
    url = f"/targets/target/{sqlite_backup_target.pk}/delete/"
    response = client.post(url, {"post": "yes", "backups": "delete"}, follow=True)
    assert response.status_code == 200
    backup.refresh_from_db()
    assert backup.status == BackupStatus.DELETED and not _objects(backup)
