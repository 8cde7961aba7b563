"""``erpkeeper ticket calendar``: days off and adjusted working days (调休) the SLA clocks count
that the holiday library does not know yet.

    erpkeeper ticket calendar set 2027-02-20 working_day --note "春节调休"
    erpkeeper ticket calendar list [--calendar CN]
    erpkeeper ticket calendar remove 2027-02-20
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from erpkeeper.lib.cli import EXIT_USAGE, CommandError, emit, find_one, table, validation_error
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import CalendarDay, DayKind

COLUMNS = ["date", "calendar", "kind", "note"]


def register_calendar(actions) -> None:
    calendar = actions.add_parser("calendar", help="days off and adjusted working days for SLAs")
    steps = calendar.add_subparsers(dest="step", metavar="STEP")
    steps.required = True
    listing = steps.add_parser("list", help="the days entered, by date")
    listing.add_argument("--calendar", default="", help="a country code, e.g. CN (default: all)")
    listing.set_defaults(handler=handle_list)
    setting = steps.add_parser("set", help="make a date a day off or a working day")
    setting.add_argument("date", help="YYYY-MM-DD")
    setting.add_argument("kind", choices=DayKind.values)
    setting.add_argument("--calendar", default="CN", help="a country code (default CN)")
    setting.add_argument("--note", default="")
    setting.set_defaults(handler=handle_set)
    removing = steps.add_parser("remove", help="forget what was entered for a date")
    removing.add_argument("date", help="YYYY-MM-DD")
    removing.add_argument("--calendar", default="CN")
    removing.set_defaults(handler=handle_remove)


def row(entry: CalendarDay) -> dict:
    return {
        "id": entry.pk,
        "date": entry.date.isoformat(),
        "calendar": entry.calendar,
        "kind": entry.kind,
        "note": entry.note,
    }


def handle_list(args) -> int:
    entries = CalendarDay.objects.all()
    if args.calendar:
        entries = entries.filter(calendar=args.calendar.upper())
    rows = [row(entry) for entry in entries]
    emit(args, rows, table(rows, COLUMNS))
    return 0


def handle_set(args) -> int:
    try:
        entry = services.set_calendar_day(
            date=args.date, kind=args.kind, note=args.note, calendar=args.calendar
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    emit(
        args,
        row(entry),
        f"{entry.date} is a {entry.get_kind_display().lower()} on {entry.calendar}",
    )
    return 0


def handle_remove(args) -> int:
    try:
        day = dt.date.fromisoformat(args.date)
    except ValueError:
        raise CommandError("date: give it as YYYY-MM-DD", EXIT_USAGE, "usage") from None
    entry = find_one(CalendarDay.objects.filter(calendar=args.calendar.upper()), "day", date=day)
    services.remove_calendar_day(entry)
    emit(args, {"removed": args.date}, f"{args.date} removed from {entry.calendar}")
    return 0
