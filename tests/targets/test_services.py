"""Target services as every interface reaches them."""

import pytest

from erpkeeper.core.models import AuditEntry
from erpkeeper.targets import services

pytestmark = pytest.mark.django_db


def test_removing_a_target_audits_the_removal_of_its_windows_too():
    target = services.add_target(
        name="pg",
        database_url="postgresql://erp@127.0.0.1:1/tryton",
        verify=False,
        windows=["sun 02:00 1h UTC"],
    )
    services.remove_target(target)
    deleted = AuditEntry.objects.filter(action=AuditEntry.Action.DELETE)
    assert sorted(deleted.values_list("object_type", flat=True)) == [
        "backups.backuppolicy",
        "targets.maintenancewindow",
        "targets.target",
    ]
