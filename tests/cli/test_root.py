"""The ``erpkeeper`` command's root: --json anywhere, and a first command on a new home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from erpkeeper.cli import EXIT_NOT_FOUND, main

ROOT = Path(__file__).resolve().parents[2]


def run_erpkeeper(*args, home: Path):
    env = {**os.environ, "ERPKEEPER_HOME": str(home)}
    env.pop("ERPKEEPER_TESTING", None)
    return subprocess.run(
        [sys.executable, "-m", "erpkeeper", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["target", "list", "--json"],
        ["backup", "list", "--json"],
        ["alert", "list", "--json"],
        ["--json", "target", "list"],
    ],
)
def test_json_is_accepted_after_the_subcommand_everywhere(argv, olga, capsys):
    assert main(["--as", "olga", *argv]) == 0
    assert isinstance(json.loads(capsys.readouterr().out), list | dict)


def test_an_error_after_a_trailing_json_flag_is_json_too(db, capsys):
    assert main(["target", "show", "no-such-target", "--json"]) == EXIT_NOT_FOUND
    assert json.loads(capsys.readouterr().out)["error"] == "not_found"


def test_the_first_command_on_a_new_home_sets_the_platform_database_up(tmp_path):
    result = run_erpkeeper("target", "list", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "setting up the platform database" in result.stderr
    assert result.stdout.strip() == "(none)"
    again = run_erpkeeper("--json", "target", "list", home=tmp_path)
    assert again.returncode == 0 and json.loads(again.stdout) == [] and again.stderr == ""
