"""The demo's team: two teams (ERP operations and the service desk), a weekly on-call rota
for operations and a RACI matrix over the twenty areas, so that the team pages show something
on a fresh ``make up``.

Through accounts' own services; idempotent (nothing is made once the operations team exists).
The three engineers have no password and no e-mail address (nothing is mailed or paged): an
administrator gives them what they need, or removes them. The service desk team reuses the
demo desk's agents.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from erpkeeper.accounts.roles import Role
from erpkeeper.accounts.services import create_user
from erpkeeper.accounts.teams import services as teams
from erpkeeper.accounts.teams.models import Team
from erpkeeper.core.audit import audit_context
from erpkeeper.demo.tickets import AGENTS

OPS_TEAM = "ERP operations"
DESK_TEAM = "Service desk"
ENGINEERS = (
    ("li.ming", "Ming", "Li", Role.OPS_ENGINEER, "backups and monitoring"),
    ("zhou.qiang", "Qiang", "Zhou", Role.OPS_ENGINEER, "patches and changes"),
    ("sun.hui", "Hui", "Sun", Role.DBA, "PostgreSQL and performance"),
)
# Area -> (letter of operations, letter of the service desk): exactly one A per area.
RACI = {
    "backup": ("A", "I"),
    "monitoring": ("A", "I"),
    "performance": ("A", ""),
    "access": ("A", "C"),
    "manuals": ("C", "A"),
    "versions": ("A", ""),
    "hardware": ("A", ""),
    "updates": ("A", "I"),
    "compliance": ("A", "I"),
    "processes": ("A", "R"),
    "projects": ("A", "C"),
    "vendors": ("A", ""),
    "reports": ("A", "C"),
    "research": ("A", ""),
    "knowledge": ("C", "A"),
    "risks": ("A", "I"),
    "quality": ("A", "R"),
    "team": ("A", "R"),
    "support": ("C", "A"),
    "improvement": ("A", "R"),
}


def ensure_demo_teams(today: dt.date | None = None) -> int:
    """Make the demo teams unless they are there; returns how many teams were made."""
    if Team.objects.filter(name=OPS_TEAM).exists():
        return 0
    today = today or timezone.localdate()
    with audit_context(actor_name="system:demo", source="system"), transaction.atomic():
        engineers = [_user(name, first, last, role) for name, first, last, role, _r in ENGINEERS]
        ops = teams.create_team(
            name=OPS_TEAM,
            description="Keeps the ERP running: backups, monitoring, patches, the database.",
            lead=engineers[0],
        )
        for user, (*_name, responsibility) in zip(engineers, ENGINEERS, strict=True):
            teams.add_member(ops, user, responsibility=responsibility)
        desk = _desk_team()
        teams.create_rota(
            team=ops,
            name="Primary",
            rotation="weekly",
            handover_time=dt.time(9, 0),
            time_zone="Asia/Shanghai",
            start_date=today - dt.timedelta(days=today.weekday() + 28),  # a Monday
            members=engineers,
        )
        _raci(ops, desk)
    return 2


def _user(username: str, first: str, last: str, role: Role):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user, _password = create_user(
            username, role=role, usable_password=False, first_name=first, last_name=last
        )
    return user


def _desk_team() -> Team:
    agents = [_user(name, first, last, Role.HELPDESK_AGENT) for name, first, last in AGENTS]
    desk = teams.create_team(
        name=DESK_TEAM, description="Answers the ERP's users on the portal.", lead=agents[0]
    )
    for agent in agents:
        teams.add_member(desk, agent, responsibility="tickets")
    return desk


def _raci(ops: Team, desk: Team) -> None:
    for area, letters in RACI.items():
        for team, letter in zip((ops, desk), letters, strict=True):
            if letter:
                teams.set_raci(area, team, letter)
