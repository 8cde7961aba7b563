"""A restore writes only where it may: over a registered target's database after typing that
target's name (and a safety backup), otherwise into a database that does not exist yet, in a
directory that does, outside ERPKeeper's own home. Through the API and the CLI."""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from django.conf import settings

from erpkeeper.backups import services
from erpkeeper.backups.models import Backup, BackupTrigger, Restore
from erpkeeper.cli import EXIT_FAILED, main
from erpkeeper.core.models import Job
from erpkeeper.lib import dburl
from erpkeeper.targets import services as targets

CONFIG_TEXT = "[erp]\nimportant = yes\n"


@pytest.fixture
def backup(sqlite_backup_target):
    return services.run_backup(sqlite_backup_target)


@pytest.fixture
def books(sqlite_backup_target, tmp_path):
    """A second production target with a live database of its own."""
    path = tmp_path / "books" / "books.sqlite"
    path.parent.mkdir()
    shutil.copy(dburl.parse(sqlite_backup_target.database_url).path, path)
    return targets.add_target(name="books", database_url=f"sqlite:///{path}")


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "etc" / "erp.conf"
    path.parent.mkdir()
    path.write_text(CONFIG_TEXT)
    return path


def _sales(url: str) -> int:
    with sqlite3.connect(dburl.parse(url).path) as conn:
        return conn.execute("SELECT count(*) FROM sale_sale").fetchone()[0]


def _post(client, backup, body):
    return client.post(f"/api/v1/backups/{backup.pk}/restore/", body, format="json")


# -- API ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_replace_over_any_file_is_refused(api_client_for, dave, backup, config_file):
    response = _post(
        api_client_for(dave), backup, {"to_url": f"sqlite:///{config_file}", "replace": True}
    )
    assert response.status_code == 422
    assert "registered target" in response.json()["detail"]
    assert config_file.read_text() == CONFIG_TEXT
    assert not Job.objects.filter(kind="backup.restore").exists()


@pytest.mark.django_db
def test_api_replace_over_another_target_needs_its_name(api_client_for, dave, backup, books):
    client = api_client_for(dave)
    without = _post(client, backup, {"to_url": books.database_url, "replace": True})
    assert without.status_code == 422 and "books" in without.json()["detail"]
    # The backup's own target's name does not confirm replacing another target's database.
    wrong = _post(
        client, backup, {"to_url": books.database_url, "replace": True, "confirm": "shop"}
    )
    assert wrong.status_code == 422
    assert not Job.objects.filter(kind="backup.restore").exists()

    accepted = _post(
        client, backup, {"to_url": books.database_url, "replace": True, "confirm": "books"}
    )
    assert accepted.status_code == 202, accepted.content


@pytest.mark.django_db
def test_replacing_another_target_takes_its_safety_backup_first(backup, books):
    restore = services.restore_backup(
        backup, to_url=books.database_url, replace=True, confirm_name="books"
    )
    assert restore.status == "succeeded"
    safety = restore.safety_backup
    assert safety is not None and safety.target == books
    assert safety.trigger == BackupTrigger.SAFETY and safety.status == "succeeded"


@pytest.mark.django_db
def test_api_new_database_never_overwrites_a_file(api_client_for, dave, backup, config_file):
    response = _post(api_client_for(dave), backup, {"to_url": f"sqlite:///{config_file}"})
    assert response.status_code == 422 and "exists" in response.json()["detail"]
    assert config_file.read_text() == CONFIG_TEXT


@pytest.mark.django_db
def test_api_new_database_never_creates_directories(api_client_for, dave, backup, tmp_path):
    missing = tmp_path / "no" / "such" / "dir"
    response = _post(api_client_for(dave), backup, {"to_url": f"sqlite:///{missing}/x.sqlite"})
    assert response.status_code == 422 and "directory" in response.json()["detail"]
    assert not (tmp_path / "no").exists()


@pytest.mark.django_db
def test_api_refuses_paths_inside_erpkeeper_home(api_client_for, dave, backup):
    home = Path(settings.HOME)
    client = api_client_for(dave)
    for body in (
        {"to_url": f"sqlite:///{home}/new.sqlite"},
        {"to_url": f"sqlite:///{home}/secret_key", "replace": True},
    ):
        response = _post(client, backup, body)
        assert response.status_code == 422, body
        assert "ERPKeeper" in response.json()["detail"]
    assert not (home / "new.sqlite").exists()


@pytest.mark.django_db
def test_api_refuses_the_backup_key(api_client_for, dave, backup, backup_key_file):
    before = backup_key_file.read_bytes()
    response = _post(
        api_client_for(dave), backup, {"to_url": f"sqlite:///{backup_key_file}", "replace": True}
    )
    assert response.status_code == 422
    assert backup_key_file.read_bytes() == before


@pytest.mark.django_db
def test_api_replace_without_a_destination_is_refused(api_client_for, dave, backup):
    response = _post(api_client_for(dave), backup, {"replace": True})
    assert response.status_code == 422
    assert "replace what" in response.json()["detail"]
    assert not Job.objects.filter(kind="backup.restore").exists()


@pytest.mark.django_db
def test_api_file_store_goes_only_into_an_empty_directory(
    api_client_for, dave, backup, config_file, tmp_path
):
    response = _post(
        api_client_for(dave),
        backup,
        {"to_url": f"sqlite:///{tmp_path}/copy.sqlite", "files_to": str(config_file.parent)},
    )
    assert response.status_code == 422 and "empty" in response.json()["detail"]
    assert config_file.read_text() == CONFIG_TEXT


# -- CLI ----------------------------------------------------------------------------------------


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.django_db(transaction=True)
def test_cli_replace_over_any_file_is_refused(capsys, backup, config_file):
    code, out, err = _run(
        capsys, "restore", str(backup.pk), "--to", f"sqlite:///{config_file}", "--replace"
    )
    assert code == EXIT_FAILED and "registered target" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert config_file.read_text() == CONFIG_TEXT

    code, out, err = _run(
        capsys, "--json", "restore", str(backup.pk), "--to", f"sqlite:///{config_file}"
    )
    assert code == EXIT_FAILED and json.loads(out)["error"] == "refused"
    assert config_file.read_text() == CONFIG_TEXT
    assert not Job.objects.filter(kind="backup.restore").exists()


@pytest.mark.django_db(transaction=True)
def test_cli_replace_without_a_destination_is_refused(capsys, backup):
    code, out, err = _run(capsys, "restore", str(backup.pk), "--replace")
    assert code == EXIT_FAILED and "replace what" in err
    assert not Restore.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_cli_replace_over_another_target_takes_a_safety_backup(capsys, backup, books):
    sales = _sales(books.database_url)
    code, out, err = _run(
        capsys, "restore", str(backup.pk), "--to", books.database_url, "--replace"
    )
    assert code == 0, err
    restore = Restore.objects.get()
    assert restore.status == "succeeded" and restore.safety_backup.target_id == books.pk
    assert Backup.objects.filter(target=books, trigger=BackupTrigger.SAFETY).count() == 1
    assert _sales(books.database_url) == sales  # the same demo data, restored over it
