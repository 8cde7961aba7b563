"""The demo assets on a fresh start: the ERP's host, warranties ending soon with their notices,
a worn-out server proposed for replacement; a second start changes nothing."""

from __future__ import annotations

import socket

from erpkeeper.assets.models import Asset, Inspection, ReplacementPlan, SoftwareLicence
from erpkeeper.cli.up import ensure_demo_assets_said
from erpkeeper.core.models import OutboxMessage
from tests.fixtures.alerts import make_target


def test_the_demo_assets_are_made_once(db, capsys):
    demo = make_target("demo")
    ensure_demo_assets_said()
    assert "✓ demo assets: 6" in capsys.readouterr().out
    host = Asset.objects.get(name=socket.gethostname())
    assert list(host.targets.all()) == [demo] and host.ram_mb and host.os
    subjects = set(OutboxMessage.objects.filter(source="assets").values_list("subject", flat=True))
    assert any(s.startswith("Warranty of db-standby-01 ends") for s in subjects)
    assert any(s.startswith("Licence Windows Server 2022 Standard") for s in subjects)
    old = Asset.objects.get(name="old-app-01")
    assert old.health_score < 50
    assert ReplacementPlan.objects.get().asset == old
    assert SoftwareLicence.objects.get().has_key
    assert Inspection.objects.filter(asset__kind="server").count() == 3
    before = (Asset.objects.count(), OutboxMessage.objects.count(), Inspection.objects.count())
    ensure_demo_assets_said()
    assert capsys.readouterr().out == ""
    after = (Asset.objects.count(), OutboxMessage.objects.count(), Inspection.objects.count())
    assert before == after
