"""Workshops and seminars: saving them, their materials (articles and files), who is invited
and who came, and an iCalendar file for a calendar (when ``icalendar`` is installed)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.knowledge.models import (
    Article,
    AttendanceState,
    SessionAttendance,
    SessionMaterial,
    TrainingSession,
)
from erpkeeper.knowledge.services.files import store_root
from erpkeeper.servicedesk.services.attachments import IncomingFile, clean_name, problem_with

try:  # optional: another part of the platform brings it; without it there is no .ics
    import icalendar
except ImportError:  # pragma: no cover - depends on the installation
    icalendar = None

SESSION_FIELDS = (
    "title",
    "kind",
    "starts",
    "minutes",
    "speaker",
    "speaker_name",
    "place",
    "link",
    "description",
    "course",
)


@transaction.atomic
def save_session(session: TrainingSession | None = None, **fields) -> TrainingSession:
    session = session or TrainingSession()
    for name, value in fields.items():
        if name not in SESSION_FIELDS:
            raise ValidationError({name: _("This field cannot be changed here.")})
        setattr(session, name, value)
    session.full_clean()
    session.save()
    return session


def add_article_material(session: TrainingSession, article: Article) -> SessionMaterial:
    found, _created = SessionMaterial.objects.get_or_create(session=session, article=article)
    return found


def add_file_material(session: TrainingSession, file: IncomingFile) -> SessionMaterial:
    """A file for the session, checked and stored as articles' files are."""
    problem = problem_with(file)
    if problem:
        raise ValidationError({"file": problem})
    stored = f"sessions/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"
    path = store_root() / stored
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(file.content)
    return SessionMaterial.objects.create(
        session=session,
        file_name=clean_name(file.name),
        content_type=(file.content_type or "application/octet-stream")[:100],
        size=len(file.content),
        stored_name=stored,
    )


def material_path(material: SessionMaterial):
    return store_root() / material.stored_name


def invite(session: TrainingSession, users) -> int:
    """Invite people (those already invited keep their state). Returns how many were new."""
    added = 0
    for user in users:
        _found, created = SessionAttendance.objects.get_or_create(session=session, user=user)
        added += int(created)
    return added


def set_attendance(session: TrainingSession, user, state: str) -> SessionAttendance:
    if state not in AttendanceState.values:
        raise ValidationError({"state": _("Choose invited, attended or absent.")})
    found, _created = SessionAttendance.objects.get_or_create(session=session, user=user)
    if found.state != state:
        found.state = state
        found.save(update_fields=["state"])
    return found


def calendar_available() -> bool:
    return icalendar is not None


def session_ics(session: TrainingSession) -> bytes:
    """The session as an iCalendar event (ValidationError when icalendar is not installed)."""
    if icalendar is None:
        raise ValidationError(_("Calendar files need the icalendar package, not installed here."))
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//ERPKeeper//training//EN")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", f"training-session-{session.pk}@erpkeeper")
    event.add("summary", session.title)
    event.add("dtstart", session.starts)
    event.add("dtend", session.starts + dt.timedelta(minutes=session.minutes))
    event.add("dtstamp", timezone.now())
    if session.place:
        event.add("location", session.place)
    description = "\n".join(part for part in (session.description, session.link) if part)
    if description:
        event.add("description", description)
    if session.link:
        event.add("url", session.link)
    calendar.add_component(event)
    return calendar.to_ical()
