"""Verification checks the manifest.json next to the artifacts too: a recovery after losing the
platform depends on it, not on the platform database's copy."""

import json
from pathlib import Path

import pytest

from erpkeeper.backups import services
from erpkeeper.cli import EXIT_FAILED, main

pytestmark = pytest.mark.django_db(transaction=True)


def _manifest_file(backup) -> Path:
    return Path(backup.destination.path) / backup.location / "manifest.json"


def _verify(capsys, backup):
    code = main(["backup", "verify", str(backup.pk)])
    out, err = capsys.readouterr()
    backup.refresh_from_db()
    return code, out + err


def test_a_tampered_manifest_file_fails_verification_naming_the_difference(
    capsys, sqlite_backup_target
):
    backup = services.run_backup(sqlite_backup_target)
    code, text = _verify(capsys, backup)
    assert code == 0, text
    assert backup.verify_ok is True

    path = _manifest_file(backup)
    stored = json.loads(path.read_text())
    stored["components"][0]["row_counts"]["sale_sale"] += 1
    path.write_text(json.dumps(stored))
    code, text = _verify(capsys, backup)
    assert code == EXIT_FAILED
    assert backup.verify_ok is False
    assert "manifest.json" in backup.verify_error and "components" in backup.verify_error
    assert "manifest.json" in text


def test_a_missing_manifest_file_fails_verification(capsys, sqlite_backup_target):
    backup = services.run_backup(sqlite_backup_target)
    _manifest_file(backup).unlink()
    code, text = _verify(capsys, backup)
    assert code == EXIT_FAILED
    assert backup.verify_ok is False and "manifest.json" in backup.verify_error
