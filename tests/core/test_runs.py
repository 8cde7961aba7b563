"""Every run record (a backup, an off-site copy, a restore, a drill ...) shares one status
choice, and is settled once: whoever settles it second changes nothing."""

from __future__ import annotations

import pytest
from django.apps import apps

from erpkeeper.core.runs import RunRecord, RunStatus


def run_models() -> list:
    return [model for model in apps.get_models() if issubclass(model, RunRecord)]


def test_there_are_run_records_to_check():
    names = {model._meta.label for model in run_models()}
    assert {"backups.Backup", "backups.BackupCopy", "backups.Restore", "backups.Drill"} <= names


@pytest.mark.parametrize("model", run_models(), ids=lambda model: model._meta.label)
def test_every_run_record_has_the_shared_statuses_with_their_labels(model):
    choices = dict(model._meta.get_field("status").choices)
    for status in RunStatus:
        assert status.value in choices, f"{model._meta.label} lacks {status.value!r}"
        assert str(choices[status.value]) == str(status.label)
    assert model._meta.get_field("status").default == RunStatus.RUNNING


@pytest.mark.django_db
def test_a_run_is_settled_once():
    from erpkeeper.backups.models import Drill

    drill = Drill.objects.create(target_name="shop", rto_target_seconds=60, rpo_target_seconds=60)
    assert drill.is_running and drill.duration_seconds is None
    assert list(Drill.objects.running_for([])) == []

    assert Drill.settle_if_running(drill.pk, RunStatus.SUCCEEDED) is True
    assert Drill.fail_if_running(drill.pk, "too late: it had ended") is False

    drill.refresh_from_db()
    assert (drill.status, drill.error) == (RunStatus.SUCCEEDED, "")
    assert not drill.is_running and drill.duration_seconds >= 0
