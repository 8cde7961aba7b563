"""Job lists name a job's kind as people read it ("Backup", 备份), not "backup.run"."""

from __future__ import annotations

import json

import pytest

from erpkeeper.accounts.services import set_language
from erpkeeper.cli import main
from erpkeeper.core.jobs.registry import kind_label
from erpkeeper.core.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def backup_job():
    return Job.objects.create(kind="backup.run", status=Job.Status.SUCCEEDED)


def test_a_kind_label_falls_back_to_the_name_of_an_unknown_kind():
    assert kind_label("backup.run") == "Backup"
    assert kind_label("gone.kind") == "gone.kind"
    assert Job(kind="backup.run").kind_label == "Backup"


def test_the_console_job_list_shows_the_kind_label_in_the_reader_language(backup_job, olga, client):
    client.force_login(olga)
    html = client.get("/core/job/").content.decode()
    assert "Backup" in html and ">backup.run<" not in html
    set_language(olga, "zh-hans")
    html = client.get("/core/job/").content.decode()
    assert "备份" in html


def test_the_cli_job_list_shows_the_label_and_json_keeps_the_kind(backup_job, capsys):
    assert main(["job", "list"]) == 0
    row = capsys.readouterr().out.splitlines()[1]
    assert "Backup" in row and "backup.run" not in row
    assert main(["--json", "job", "list"]) == 0
    data = json.loads(capsys.readouterr().out)[0]
    assert (data["kind"], data["kind_label"]) == ("backup.run", "Backup")
