"""What the service desk tests share: a round-the-clock queue with SLA targets, a target."""

from __future__ import annotations

import pytest

from erpkeeper.notifications import services as channel_services
from erpkeeper.servicedesk.models import Priority, Queue, SlaPolicy
from erpkeeper.servicedesk.sla.clock import DAY_KEYS
from tests.fixtures.alerts import make_target
from tests.fixtures.receivers import SmtpReceiver
from tests.servicedesk.report_history import history  # noqa: F401  (a fixture for the reports)

ROUND_THE_CLOCK = dict.fromkeys(DAY_KEYS, "00:00-24:00")


@pytest.fixture
def desk(db):
    """Queue "Helpdesk" (24x7, no holidays) with targets for every priority: first response
    in 60 minutes and resolution in 8 hours (P1: 15 minutes and 4 hours)."""
    # The installation's defaults (created after migrate) are replaced by the test's own.
    Queue.objects.all().delete()
    SlaPolicy.objects.all().delete()
    queue = Queue.objects.create(
        name="Helpdesk",
        email="help@erp.example.com",
        business_hours=ROUND_THE_CLOCK,
        time_zone="Asia/Shanghai",
        holiday_calendar="",
    )
    for priority in Priority:
        fast = priority == Priority.P1
        SlaPolicy.objects.create(
            name=f"Standard {priority.value}",
            priority=priority,
            first_response_minutes=15 if fast else 60,
            resolution_minutes=240 if fast else 480,
        )
    return queue


@pytest.fixture
def shop(db):
    return make_target("shop")


@pytest.fixture
def attachment_store(settings, tmp_path):
    settings.HOME = tmp_path
    return tmp_path / "servicedesk" / "attachments"


@pytest.fixture
def smtp(db):
    """A real SMTP server on 127.0.0.1 behind the platform's e-mail channel: what the desk
    mails arrives in ``sink.messages``."""
    with SmtpReceiver() as sink:
        channel_services.create_channel(
            name="desk-mail",
            kind="email",
            config={
                "host": "127.0.0.1",
                "port": sink.port,
                "security": "none",
                "from_address": "help@erp.example.com",
                "recipients": "ops@example.com",
            },
        )
        yield sink
