"""The demo's teams: two teams, a weekly rota with someone on call now, a RACI matrix with one
Accountable per area; made once."""

from __future__ import annotations

import pytest

from erpkeeper.accounts.teams import services
from erpkeeper.accounts.teams.models import Area, RaciAssignment, Team
from erpkeeper.demo.teams import OPS_TEAM, ensure_demo_teams

pytestmark = pytest.mark.django_db


def test_the_demo_teams_are_made_once_with_a_rota_and_a_full_raci_matrix():
    assert ensure_demo_teams() == 2
    assert ensure_demo_teams() == 0  # a later start: nothing more
    assert Team.objects.count() == 2
    ops = Team.objects.get(name=OPS_TEAM)
    assert services.on_call(ops).username in ("li.ming", "zhou.qiang", "sun.hui")
    shifts = services.upcoming_shifts(ops.rotas.get(), 3)
    assert len({shift.user.username for shift in shifts}) == 3
    assert services.raci_matrix().without_accountable == []
    accountable = RaciAssignment.objects.filter(letter="A")
    assert sorted(accountable.values_list("area", flat=True)) == sorted(Area.values)
