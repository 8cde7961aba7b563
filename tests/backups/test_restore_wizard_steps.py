"""The restore wizard numbers the steps it shows: confirming by name is a step only when the
original database is replaced."""

import re

import pytest
from django.utils import timezone

from erpkeeper.backups.models import Backup, BackupStatus, BackupTrigger
from erpkeeper.targets import services as targets

pytestmark = pytest.mark.django_db


@pytest.fixture
def backup(tmp_path):
    target = targets.add_target(
        name="shop", database_url=f"sqlite:///{tmp_path / 'shop.sqlite'}", verify=False
    )
    return Backup.objects.create(
        target=target,
        target_name="shop",
        trigger=BackupTrigger.MANUAL,
        status=BackupStatus.SUCCEEDED,
        location="/backups/shop/1",
        started=timezone.now(),
        finished=timezone.now(),
    )


def steps(html: str, mode: str) -> list[str]:
    block = re.search(rf'data-testid="restore-steps-{mode}"(.*?)</ol>', html, re.S)
    assert block, f"no step list for {mode}"
    return [" ".join(item.split()) for item in re.findall(r"<li[^>]*>(.*?)</li>", block.group(1))]


def test_each_mode_numbers_its_own_steps(olga, console_client_for, backup):
    html = console_client_for(olga).get(f"/backups/backup/{backup.pk}/restore/").content.decode()
    assert steps(html, "new") == ["1. Choose where to restore", "2. Follow the job's progress"]
    assert steps(html, "replace") == [
        "1. Choose where to restore",
        "2. Confirm by typing the target's name",
        "3. Follow the job's progress",
    ]


def test_only_the_chosen_modes_steps_show_before_any_script_runs(olga, console_client_for, backup):
    client = console_client_for(olga)
    fresh = client.get(f"/backups/backup/{backup.pk}/restore/").content.decode()
    assert re.search(r'data-testid="restore-steps-replace"[^>]*style="display: none"', fresh)
    refused = client.post(
        f"/backups/backup/{backup.pk}/restore/", {"mode": "replace", "confirm_name": ""}
    ).content.decode()
    assert re.search(r'data-testid="restore-steps-new"[^>]*style="display: none"', refused)
