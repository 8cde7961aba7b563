import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_check(tmp_path, **env):
    environment = {**os.environ, "ERPKEEPER_HOME": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bad_time_zone_is_reported_by_a_system_check_not_a_traceback(tmp_path):
    result = run_check(tmp_path, ERPKEEPER_TIME_ZONE="Mars/Olympus")
    assert result.returncode != 0
    assert "erpkeeper.E002" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_database_url_is_reported_by_a_system_check(tmp_path):
    result = run_check(tmp_path, ERPKEEPER_DATABASE_URL="oracle://nobody@nowhere/db")
    assert "erpkeeper.E005" in result.stderr
    assert "Traceback" not in result.stderr


def test_secret_key_is_generated_once_with_private_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ERPKEEPER_SECRET_KEY"}
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**env, "ERPKEEPER_HOME": str(tmp_path)},
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(key_file.read_text()) >= 50


def test_plain_pytest_runs_in_test_mode_with_a_home_of_its_own_never_var():
    from django.conf import settings

    assert settings.TESTING is True
    assert settings.HOME.name == "test-home" and settings.HOME.parent.name == ".cache"


def test_the_platform_language_comes_from_erpkeeper_language(monkeypatch):
    from erpkeeper.lib import env

    monkeypatch.setattr(env, "CONFIG_ERRORS", [])
    choices = ["en", "zh-hans"]
    monkeypatch.setenv("ERPKEEPER_LANGUAGE", "zh-Hans")
    assert env.envchoice("ERPKEEPER_LANGUAGE", "en", choices) == "zh-hans"
    monkeypatch.setenv("ERPKEEPER_LANGUAGE", "klingon")
    assert env.envchoice("ERPKEEPER_LANGUAGE", "en", choices) == "en"
    assert [error.variable for error in env.CONFIG_ERRORS] == ["ERPKEEPER_LANGUAGE"]
