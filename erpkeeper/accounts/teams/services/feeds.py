"""Each rota's shifts as an iCal feed that a calendar app subscribes to without a session.

The feed's address carries a random token; only its SHA-256 is stored (like API tokens), so
the address is shown once when made, and making a new one retires the old.
"""

from __future__ import annotations

import hashlib
import secrets

import icalendar
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.accounts.teams.models import Rota
from erpkeeper.accounts.teams.services.oncall import Shift, upcoming_shifts

FEED_SHIFTS = 60  # about a year of weekly shifts, two months of daily ones
FEED_TOKEN_BYTES = 24


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token(rota: Rota) -> str:
    """A new secret for the rota's feed address (returned once; the old one stops working)."""
    token = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    rota.feed_token_hash = hash_feed_token(token)
    rota.save(update_fields=["feed_token_hash", "updated"])
    return token


def revoke_feed(rota: Rota) -> None:
    rota.feed_token_hash = ""
    rota.save(update_fields=["feed_token_hash", "updated"])


def rota_for_token(token: str) -> Rota | None:
    if not token or len(token) > 100:
        return None
    return Rota.objects.filter(feed_token_hash=hash_feed_token(token)).first()


def ical_feed(rota: Rota, count: int = FEED_SHIFTS) -> bytes:
    """The rota's coming shifts (overrides in place) as an iCalendar file."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//ERPKeeper//on-call//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("On call: %(rota)s") % {"rota": rota})
    calendar.add("x-wr-timezone", rota.time_zone)
    stamp = timezone.now()
    for shift in upcoming_shifts(rota, count):
        calendar.add_component(_event(rota, shift, stamp))
    return calendar.to_ical()


def _event(rota: Rota, shift: Shift, stamp) -> icalendar.Event:
    event = icalendar.Event()
    who = shift.user.get_full_name() or shift.user.get_username()
    summary = _("On call: %(user)s") % {"user": who}
    if shift.override is not None:
        summary = _("On call: %(user)s (override)") % {"user": who}
        event.add("description", shift.override.reason)
    kind = f"override-{shift.override.pk}" if shift.override else "shift"
    event.add("uid", f"rota-{rota.pk}-{kind}-{shift.start:%Y%m%dT%H%M%S}@erpkeeper")
    event.add("summary", summary)
    event.add("dtstart", shift.start)
    event.add("dtend", shift.end)
    event.add("dtstamp", stamp)
    return event
