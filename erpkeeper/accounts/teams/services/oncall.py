"""On-call rotas: who is on call for a team at a moment, the coming shifts, overrides and
hand-over notes.

A rota's shift n starts at the hand-over time, in the rota's time zone, on ``start_date`` plus
n days (daily) or n weeks (weekly), and belongs to the member at position n modulo the number
of members. Shifts are counted in calendar days of that time zone, so a shift still changes
hands at 09:00 local time across a daylight-saving change. An override (someone covers from a
start to an end) wins over the rotation; of two overlapping overrides the later written wins.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from dateutil.rrule import DAILY, WEEKLY, rrule
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.accounts.teams.models import (
    HandoverNote,
    Rota,
    RotaMember,
    RotaOverride,
    Rotation,
    Team,
)

ROTA_FIELDS = ("name", "rotation", "handover_time", "time_zone", "start_date")
MANAGE_ROTAS = "accounts.change_rota"
MAX_SHIFTS = 366


@dataclass(frozen=True)
class Shift:
    """One stretch of being on call: the rotation's, or an override's (``override`` set)."""

    rota: Rota
    user: object
    start: dt.datetime
    end: dt.datetime
    override: RotaOverride | None = None


# -- writing ----------------------------------------------------------------------------------


def create_rota(*, team: Team, members=(), **fields) -> Rota:
    """A rota for ``team`` with ``members`` (users) in that order."""
    unknown = set(fields) - set(ROTA_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown rota fields: %(names)s") % {"names": sorted(unknown)})
    fields.setdefault("start_date", timezone.localdate())
    with transaction.atomic():
        rota = Rota(team=team, **fields)
        rota.full_clean()
        rota.save()
        set_members(rota, members)
    return rota


def update_rota(rota: Rota, **fields) -> Rota:
    for name, value in fields.items():
        if name not in ROTA_FIELDS:
            raise ValidationError({name: _("This field cannot be changed here.")})
        setattr(rota, name, value)
    rota.full_clean()
    rota.save()
    return rota


@transaction.atomic
def set_members(rota: Rota, users) -> list[RotaMember]:
    """Replace the rota's order with ``users`` (a user may take several places)."""
    rota.members.all().delete()
    return [
        RotaMember.objects.create(rota=rota, user=user, position=i) for i, user in enumerate(users)
    ]


def may_manage(actor) -> bool:
    return actor is None or actor.has_perm(MANAGE_ROTAS)


def add_override(
    rota: Rota, user, start: dt.datetime, end: dt.datetime, *, reason: str = "", actor=None
) -> RotaOverride:
    """``user`` is on call from ``start`` to ``end`` instead of the rotation. Managers and
    administrators set anyone; everyone else covers only themselves."""
    if not may_manage(actor) and actor.pk != user.pk:
        raise PermissionDenied(_("You may add an override for yourself only."))
    if start is None or end is None or end <= start:
        raise ValidationError({"end": _("An override ends after it starts.")})
    override = RotaOverride(
        rota=rota, user=user, start=start, end=end, reason=reason, created_by=actor
    )
    override.full_clean()
    override.save()
    return override


def remove_override(override: RotaOverride, *, actor=None) -> None:
    if not may_manage(actor) and actor.pk not in (override.user_id, override.created_by_id):
        raise PermissionDenied(_("You may remove your own overrides only."))
    override.delete()


def write_handover_note(rota: Rota, text: str, *, actor=None) -> HandoverNote:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what the next person on call should know.")})
    note = HandoverNote(rota=rota, text=text, author=actor)
    note.full_clean()
    note.save()
    return note


# -- reading ----------------------------------------------------------------------------------


def on_call(team: Team, at: dt.datetime | None = None):
    """The user on call for ``team`` at ``at`` (now by default), or None."""
    shift = current_shift(team, at)
    return shift.user if shift else None


def current_shift(team: Team, at: dt.datetime | None = None) -> Shift | None:
    """The shift covering ``at``: an override of one of the team's rotas first, then the first
    rota (by name) whose rotation has someone at that moment."""
    at = at or timezone.now()
    override = (
        RotaOverride.objects.filter(rota__team=team, start__lte=at, end__gt=at)
        .select_related("user", "rota")
        .order_by("-created", "-pk")
        .first()
    )
    if override is not None:
        return _override_shift(override)
    for rota in team.rotas.order_by("name"):
        shift = rotation_shift(rota, at)
        if shift is not None:
            return shift
    return None


def _override_shift(override: RotaOverride) -> Shift:
    return Shift(override.rota, override.user, override.start, override.end, override)


def _zone(rota: Rota) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(rota.time_zone)


def _step_days(rota: Rota) -> int:
    return 7 if rota.rotation == Rotation.WEEKLY else 1


def _shift_start(rota: Rota, index: int) -> dt.datetime:
    day = rota.start_date + dt.timedelta(days=index * _step_days(rota))
    return dt.datetime.combine(day, rota.handover_time, tzinfo=_zone(rota))


def shift_index(rota: Rota, at: dt.datetime) -> int:
    """Which shift of the rotation covers ``at`` (negative before the first)."""
    local = at.astimezone(_zone(rota))
    days = (local.date() - rota.start_date).days
    if local.time() < rota.handover_time:
        days -= 1
    return days // _step_days(rota)


def rotation_shift(rota: Rota, at: dt.datetime) -> Shift | None:
    members = list(rota.members.select_related("user"))
    index = shift_index(rota, at)
    if not members or index < 0:
        return None
    return _rotation_shift(rota, members, index)


def _rotation_shift(rota: Rota, members: list[RotaMember], index: int) -> Shift:
    user = members[index % len(members)].user
    return Shift(rota, user, _shift_start(rota, index), _shift_start(rota, index + 1))


def upcoming_shifts(rota: Rota, count: int = 8, at: dt.datetime | None = None) -> list[Shift]:
    """The rotation's shifts from the one covering ``at`` on, with the overrides that fall in
    that stretch in their place (an override splits the shift it covers)."""
    count = max(1, min(count, MAX_SHIFTS))
    members = list(rota.members.select_related("user"))
    if not members:
        return []
    at = at or timezone.now()
    first = max(shift_index(rota, at), 0)
    starts = _starts(rota, first, count + 1)
    rotation = [
        Shift(rota, members[(first + i) % len(members)].user, starts[i], starts[i + 1])
        for i in range(count)
    ]
    overrides = list(
        rota.overrides.filter(end__gt=rotation[0].start, start__lt=rotation[-1].end)
        .select_related("user")
        .order_by("start", "pk")
    )
    return _with_overrides(rotation, overrides)


def _starts(rota: Rota, first: int, count: int) -> list[dt.datetime]:
    """Shift starts as wall-clock times of the rota's zone (dateutil's rrule walks the
    calendar, so a daylight-saving change does not shift the hand-over hour)."""
    begin = _shift_start(rota, first).replace(tzinfo=None)
    frequency = WEEKLY if rota.rotation == Rotation.WEEKLY else DAILY
    zone = _zone(rota)
    return [moment.replace(tzinfo=zone) for moment in rrule(frequency, dtstart=begin, count=count)]


def _with_overrides(rotation: list[Shift], overrides: list[RotaOverride]) -> list[Shift]:
    result: list[Shift] = []
    for shift in rotation:
        pieces = [shift]
        for override in overrides:
            pieces = [part for piece in pieces for part in _cut(piece, override)]
        result.extend(pieces)
    for override in overrides:
        result.append(_override_shift(override))
    result.sort(key=lambda s: (s.start, s.override is None))
    return result


def _cut(shift: Shift, override: RotaOverride) -> list[Shift]:
    """The parts of a rotation shift that ``override`` leaves to the rotation."""
    if shift.override is not None or override.end <= shift.start or override.start >= shift.end:
        return [shift]
    parts = []
    if override.start > shift.start:
        parts.append(Shift(shift.rota, shift.user, shift.start, override.start))
    if override.end < shift.end:
        parts.append(Shift(shift.rota, shift.user, override.end, shift.end))
    return parts


def latest_handover_notes(rota: Rota, count: int = 5) -> list[HandoverNote]:
    return list(rota.handover_notes.select_related("author")[:count])
