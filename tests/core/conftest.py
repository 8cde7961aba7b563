"""What the jobs tests share: a target whose ERP cannot be reached (jobs are only queued,
listed and filtered for it; none reads its database)."""

import pytest

from erpkeeper.targets.models import Target


@pytest.fixture
def target(db):
    item = Target(name="erp-prod")
    item.set_database_url("sqlite:////nonexistent/erp.sqlite")
    item.save()
    return item
