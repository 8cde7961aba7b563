"""What the audit trail records for real changes, who it names, and what it must never hold."""

import getpass
import json

import pytest
from django.contrib.auth.models import Group, User
from django.db import IntegrityError, transaction
from django.utils import timezone

from erpkeeper.cli import main
from erpkeeper.core import audit
from erpkeeper.core.models import AuditEntry, Job
from erpkeeper.targets.models import MaintenanceWindow, Target

pytestmark = pytest.mark.django_db

SECRET = "TopSecret99"


def entries_for(obj_or_type, object_id=None):
    if isinstance(obj_or_type, str):
        rows = AuditEntry.objects.filter(object_type=obj_or_type)
    else:
        rows = AuditEntry.objects.filter(
            object_type=obj_or_type._meta.label_lower, object_id=str(obj_or_type.pk)
        )
    if object_id is not None:
        rows = rows.filter(object_id=str(object_id))
    return list(rows.order_by("sequence"))


def new_target(name="shop", url="sqlite:////tmp/x.sqlite", **fields):
    target = Target(name=name, **fields)
    target.set_database_url(url)
    target.save()
    return target


def test_create_update_delete_of_a_target_record_actor_source_and_values():
    with audit.audit_context(actor_name="system:backup.run", source="job"):
        target = new_target(rpo_minutes=60)
        target.description = "main shop"
        target.rpo_minutes = 30
        target.save()
        target_id = target.pk
        target.delete()

    created, updated, deleted = entries_for("targets.target", target_id)
    assert [e.action for e in (created, updated, deleted)] == ["create", "update", "delete"]
    for entry in (created, updated, deleted):
        assert (entry.actor_id, entry.actor_name, entry.source) == (
            None,
            "system:backup.run",
            "job",
        )
        assert entry.object_repr == "shop"
    assert created.before is None
    assert created.after["name"] == "shop"
    assert created.after["rpo_minutes"] == 60
    assert created.after["database_url_masked"] == target.database_url_masked
    assert created.after["database_url_encrypted"] == "********"
    assert updated.before == {"description": "", "rpo_minutes": 60}
    assert updated.after == {"description": "main shop", "rpo_minutes": 30}
    assert deleted.before["description"] == "main shop" and deleted.after is None
    assert created.time <= updated.time <= deleted.time


def test_a_cascade_delete_records_each_deleted_row():
    target = new_target()
    window = MaintenanceWindow.objects.create(
        target=target, weekday=6, start_time="02:00", duration_minutes=60
    )
    window_id, target_id = window.pk, target.pk
    target.delete()
    entries = entries_for("targets.maintenancewindow", window_id)
    [deleted] = [e for e in entries if e.action == "delete"]
    assert deleted.before["target"] == target_id
    assert deleted.before["duration_minutes"] == 60


def test_saving_without_a_change_records_nothing():
    target = new_target()
    count = AuditEntry.objects.count()
    target.save()
    Target.objects.get(pk=target.pk).save()
    assert AuditEntry.objects.count() == count


def test_observed_fields_alone_record_nothing():
    target = new_target()
    count = AuditEntry.objects.count()
    target.facts = {"erp_version": "8.2.0"}
    target.last_check_ok = True
    target.save()
    target.save(update_fields=["facts", "last_checked"])
    assert AuditEntry.objects.count() == count


def test_job_progress_ticks_are_not_recorded_but_creation_and_status_changes_are():
    with audit.audit_context(actor_name="system:scheduler", source="job"):
        job = Job.objects.create(kind="backup.run")
        for percent in (10, 50, 90):
            job.progress = percent
            job.progress_message = f"{percent}%"
            job.log = [*job.log, f"at {percent}"]
            job.save()
        job.save(update_fields=["progress", "heartbeat"])
        job.status = Job.Status.RUNNING
        job.save()
        audit.audited_update(
            Job.objects.filter(pk=job.pk), status=Job.Status.SUCCEEDED, progress=100.0
        )

    created, running, succeeded = entries_for(job)
    assert created.action == "create" and created.after["kind"] == "backup.run"
    assert "log" not in created.after and "progress" not in created.after
    assert (running.before, running.after) == ({"status": "queued"}, {"status": "running"})
    assert (succeeded.before, succeeded.after) == ({"status": "running"}, {"status": "succeeded"})


def test_audited_update_records_only_the_rows_it_changed():
    first, second = new_target("a"), new_target("b", description="x")
    count = AuditEntry.objects.count()
    changed = audit.audited_update(Target.objects.filter(name__in=["a", "b"]), description="x")
    assert changed == 2
    [entry] = AuditEntry.objects.filter(sequence__gt=count, object_id=str(first.pk))
    assert (entry.before, entry.after) == ({"description": ""}, {"description": "x"})
    assert not AuditEntry.objects.filter(sequence__gt=count, object_id=str(second.pk)).exists()


def test_a_new_database_password_is_recorded_as_a_masked_change():
    target = new_target(url=f"postgresql://erp:{SECRET}@db:5432/tryton")
    target.set_database_url(f"postgresql://erp:{SECRET}-new@db:5432/tryton")
    target.save()
    update = entries_for(target)[-1]
    assert update.action == "update"
    assert (update.before, update.after) == (
        {"database_url_encrypted": "********"},
        {"database_url_encrypted": "********"},
    )


def test_audited_update_of_observed_fields_alone_records_nothing():
    job = Job.objects.create(kind="backup.run")
    count = AuditEntry.objects.count()
    updated = audit.audited_update(
        Job.objects.filter(pk=job.pk), heartbeat=timezone.now(), progress=5.0
    )
    assert updated == 1
    assert AuditEntry.objects.count() == count


def test_the_target_database_password_never_appears_in_any_entry(capsys):
    url = f"postgresql://erp:{SECRET}@db.example.com:5432/tryton"
    target = new_target(url=url)
    target.set_database_url(url.replace(SECRET, SECRET + "-new"))
    target.host_name = "db.example.com"
    target.save()
    ciphertext = target.database_url_encrypted
    target.delete()

    rows = AuditEntry.objects.filter(object_type="targets.target")
    assert rows.count() == 3
    dumped = json.dumps([[e.before, e.after, e.object_repr] for e in rows])
    assert SECRET not in dumped and ciphertext not in dumped
    assert "erp:********@db.example.com" in dumped
    assert main(["audit", "export", "-o", "-"]) == 0
    assert SECRET not in capsys.readouterr().out


def test_user_password_hashes_are_masked_but_a_password_change_is_recorded():
    user = User.objects.create_user("bob", password="first pass phrase")
    user.set_password("second pass phrase")
    user.save()
    created, changed = entries_for(user)[:2]
    assert created.after["password"] == "********"
    assert (changed.before, changed.after) == ({"password": "********"}, {"password": "********"})
    hashes = {User.objects.get(pk=user.pk).password, created.after["password"]}
    dumped = json.dumps([e.after for e in AuditEntry.objects.all()])
    assert all(h not in dumped for h in hashes - {"********"})
    assert "md5$" not in dumped


def test_logging_in_is_not_a_change_of_the_user(client):
    user = User.objects.create_user("carol", password="a long pass phrase", is_staff=True)
    count = AuditEntry.objects.count()
    client.force_login(user)  # sets last_login
    assert AuditEntry.objects.count() == count


def test_api_token_hashes_are_masked(alice):
    from erpkeeper.accounts import services

    token, plaintext = services.create_api_token(alice, "ci")
    [created] = entries_for(token)
    assert created.after["token_hash"] == "********"
    assert plaintext not in json.dumps(created.after)
    assert token.token_hash not in json.dumps(created.after)


def test_group_membership_is_an_update_of_the_owner_with_id_lists():
    user = User.objects.create_user("dora")
    ops, dba = Group.objects.create(name="ops-x"), Group.objects.create(name="dba-x")
    user.groups.add(ops, dba)
    dba.user_set.remove(user)
    user.groups.clear()

    user_updates = [e for e in entries_for(user) if e.action == "update"]
    assert [(e.before, e.after) for e in user_updates] == [
        ({"groups": []}, {"groups": sorted([ops.pk, dba.pk])}),
        ({"groups": [ops.pk]}, {"groups": []}),
    ]
    [group_update] = [e for e in entries_for(dba) if e.action == "update"]
    assert (group_update.before, group_update.after) == ({"user_set": [user.pk]}, {"user_set": []})


def test_cli_changes_are_attributed_to_the_os_user_or_the_as_user(capsys, alice):
    assert main(["target", "add", "one", "--no-check", "--db-url", "sqlite:////tmp/x.sqlite"]) == 0
    assert main(["--as", "alice", "target", "update", "one", "--description", "by alice"]) == 0
    created, updated = entries_for("targets.target")[-2:]
    assert (created.actor_name, created.actor_id, created.source) == (
        f"cli:{getpass.getuser()}",
        None,
        "cli",
    )
    assert (updated.actor_name, updated.actor_id, updated.source) == ("alice", alice.pk, "cli")


def test_changes_outside_any_context_are_attributed_to_system():
    target = new_target()
    [entry] = entries_for(target)
    assert (entry.actor_name, entry.source, entry.request_id) == ("system", "system", "")


def test_a_change_rolled_back_inside_atomic_records_nothing():
    count = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        target = new_target()
        target.description = "changed"
        target.save()
        raise RuntimeError("the operation failed after saving")
    assert AuditEntry.objects.count() == count
    assert audit.verify().ok


def test_a_rejected_save_records_nothing():
    new_target("dup")
    count = AuditEntry.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        new_target("dup")
    assert AuditEntry.objects.count() == count
    assert audit.verify().ok


def test_deleting_a_user_keeps_their_entries_unchanged_and_the_chain_intact(alice):
    with audit.audit_context(alice, source="console"):
        target = new_target()
    alice_id = alice.pk
    alice.delete()
    [entry] = entries_for(target)
    assert (entry.actor_id, entry.actor_name) == (alice_id, "alice")
    assert audit.verify().ok


def test_entries_of_every_change_chain_to_their_predecessor():
    new_target("a")
    new_target("b")
    last_two = list(AuditEntry.objects.order_by("-sequence")[:2])
    assert last_two[0].prev_hash == last_two[1].hash
    assert last_two[0].sequence == last_two[1].sequence + 1
