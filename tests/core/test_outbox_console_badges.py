"""The notification list's state badges: pending is waiting, not an error."""

import pytest
from django.urls import reverse

from erpkeeper.core import outbox
from erpkeeper.core.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_a_pending_notification_is_not_shown_in_red(alice, console_client_for):
    message = outbox.raise_alert(
        source="tests", event="tick", subject="Disk check", severity=OutboxMessage.Severity.INFO
    )
    assert message.state == OutboxMessage.State.PENDING
    url = reverse("admin:core_outboxmessage_change", args=[message.pk])
    html = console_client_for(alice).get(url).content.decode()
    assert "Pending" in html
    assert " bg-red-100 " not in html  # neither the (info) severity nor the state is an error
    assert " bg-orange-100 " in html
