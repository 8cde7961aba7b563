"""The demo's changes: made once, with a history the metrics read and freezes on the calendar."""

from __future__ import annotations

from erpkeeper.changes.models import BlackoutWindow, ChangeRequest
from erpkeeper.changes.services.metrics import metrics
from erpkeeper.demo.changes import ensure_demo_changes


def test_the_demo_changes_are_made_once(shop):
    assert ensure_demo_changes() == 9
    assert ensure_demo_changes() == 0

    found = metrics()
    assert ChangeRequest.objects.count() == 9
    assert BlackoutWindow.objects.filter(name__contains="Spring Festival 2027").exists()
    assert BlackoutWindow.objects.filter(name__contains="Month-end").count() == 6
    assert found["failure_rate"] == 33.3  # 2 of 6 ended changes failed or were backed out
    assert len(found["months"]) >= 2
