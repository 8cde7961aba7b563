"""Existing rows in the shared run statuses (erpkeeper.core.runs): a drill that passed and a copy
that was copied now say "succeeded". A copy row was written once its copy had ended: it started
and finished when it was created."""

from django.db import migrations
from django.db.models import F
from django.db.models.functions import Coalesce


def to_run_statuses(apps, schema_editor):
    Drill = apps.get_model("backups", "Drill")
    BackupCopy = apps.get_model("backups", "BackupCopy")
    Drill.objects.filter(status="passed").update(status="succeeded")
    BackupCopy.objects.filter(status="copied").update(status="succeeded")
    BackupCopy.objects.update(started=F("created"), finished=F("created"))


def to_own_statuses(apps, schema_editor):
    Drill = apps.get_model("backups", "Drill")
    BackupCopy = apps.get_model("backups", "BackupCopy")
    Drill.objects.filter(status="succeeded").update(status="passed")
    BackupCopy.objects.filter(status="succeeded").update(status="copied")
    # Before, a copy had no row while it ran: one still running counts as cut short.
    BackupCopy.objects.filter(status="running").update(status="failed")
    BackupCopy.objects.update(created=Coalesce("finished", "started"))


class Migration(migrations.Migration):
    dependencies = [
        ("backups", "0005_run_record"),
    ]

    operations = [
        migrations.RunPython(to_run_statuses, to_own_statuses),
    ]
