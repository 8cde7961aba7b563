"""Teams and their members."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from erpkeeper.accounts.teams.models import Team, TeamMembership, TeamRole

TEAM_FIELDS = ("name", "description", "lead")


def create_team(*, name: str, description: str = "", lead=None) -> Team:
    team = Team(name=(name or "").strip(), description=description, lead=lead)
    return save_team(team)


def update_team(team: Team, **fields) -> Team:
    for name, value in fields.items():
        if name not in TEAM_FIELDS:
            raise ValidationError({name: _("This field cannot be changed here.")})
        setattr(team, name, value)
    return save_team(team)


@transaction.atomic
def save_team(team: Team) -> Team:
    """Validate and save; the lead becomes a member if they are not one yet."""
    team.full_clean()
    team.save()
    if team.lead_id and not team.memberships.filter(user_id=team.lead_id).exists():
        TeamMembership.objects.create(team=team, user_id=team.lead_id)
    return team


def delete_team(team: Team) -> None:
    team.delete()


@transaction.atomic
def add_member(
    team: Team, user, *, role: str = TeamRole.MEMBER, responsibility: str = ""
) -> TeamMembership:
    """Add ``user`` to ``team`` (or change their role and responsibility if already in it)."""
    if role not in TeamRole.values:
        raise ValidationError(
            {"role": _("Choose one of: %(roles)s") % {"roles": ", ".join(TeamRole.values)}}
        )
    membership = team.memberships.filter(user=user).first() or TeamMembership(team=team, user=user)
    membership.role = role
    membership.responsibility = responsibility
    membership.full_clean()
    membership.save()
    return membership


def remove_member(team: Team, user) -> None:
    membership = team.memberships.filter(user=user).first()
    if membership is None:
        raise ValidationError(
            _("%(user)s is not a member of %(team)s.") % {"user": user, "team": team}
        )
    if team.lead_id == user.pk:
        raise ValidationError(
            _("%(user)s leads %(team)s: choose another lead first.") % {"user": user, "team": team}
        )
    membership.delete()


def teams_of(user) -> list[Team]:
    return list(Team.objects.filter(memberships__user=user).order_by("name"))
