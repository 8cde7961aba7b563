"""``erpkeeper team``, ``raci``, ``oncall`` and ``announce``.

    erpkeeper team list | show Ops | add Ops --lead olga --description "…"
    erpkeeper team member add Ops dave --role expert --responsibility "PostgreSQL"
    erpkeeper team member remove Ops dave
    erpkeeper raci show [--xlsx raci.xlsx]
    erpkeeper raci set backup Ops A            (R, A, C, I, or - to clear; --user for a person)
    erpkeeper oncall now [Ops]                 (who is on call now, per team)
    erpkeeper oncall shifts Ops --count 8      (the coming shifts, overrides in place)
    erpkeeper oncall rota Ops Primary --members olga,dave --rotation weekly --handover 09:00
    erpkeeper --as dave oncall override Ops dave --start "2026-12-24 18:00" --end "…" --reason …
    erpkeeper oncall note Ops "Disk on erp-host grows 2 GB a day"
    erpkeeper oncall feed Ops                  (a new iCal address; the old one stops working)
    erpkeeper announce list | add "Upgrade on Saturday" --text … --text-zh … --portal

With ``--as USER`` the user's role decides what they may change (a person who is no manager
may add an override for themselves only); without it the CLI acts as the system.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime, parse_time

from erpkeeper.accounts.teams import services
from erpkeeper.accounts.teams.models import (
    Announcement,
    Area,
    Raci,
    Rota,
    Rotation,
    Team,
    TeamRole,
)
from erpkeeper.core.audit import acting_user
from erpkeeper.lib.cli import (
    EXIT_USAGE,
    CommandError,
    emit,
    find_one,
    render_plain,
    table,
    validation_error,
)

TEAM_COLUMNS = ["name", "lead", "members", "description"]
SHIFT_COLUMNS = ["start", "end", "user", "override"]


def register(sub) -> None:
    _register_team(sub)
    _register_raci(sub)
    _register_oncall(sub)
    _register_announce(sub)


def _register_team(sub) -> None:
    team = sub.add_parser("team", help="teams and their members")
    actions = team.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    actions.add_parser("list", help="every team").set_defaults(handler=handle_team_list)
    show = actions.add_parser("show", help="a team with its members")
    show.add_argument("team")
    show.set_defaults(handler=handle_team_show)
    add = actions.add_parser("add", help="a new team")
    add.add_argument("name")
    add.add_argument("--description", default="")
    add.add_argument("--lead", metavar="USER")
    add.set_defaults(handler=handle_team_add)
    member = actions.add_parser("member", help="add or remove a member")
    steps = member.add_subparsers(dest="step", metavar="add|remove")
    steps.required = True
    adding = steps.add_parser("add", help="add a member (or change their role)")
    adding.add_argument("team")
    adding.add_argument("user")
    adding.add_argument("--role", choices=TeamRole.values, default=TeamRole.MEMBER)
    adding.add_argument("--responsibility", default="")
    adding.set_defaults(handler=handle_member_add)
    removing = steps.add_parser("remove", help="take a member out")
    removing.add_argument("team")
    removing.add_argument("user")
    removing.set_defaults(handler=handle_member_remove)


def _register_raci(sub) -> None:
    raci = sub.add_parser("raci", help="the RACI matrix of the twenty maintenance areas")
    actions = raci.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    actions.add_parser("show", help="the matrix").set_defaults(handler=handle_raci_show)
    setting = actions.add_parser("set", help="set one cell")
    setting.add_argument("area", choices=Area.values)
    setting.add_argument("holder", help="a team's name (a user's name with --user)")
    setting.add_argument("letter", choices=[*Raci.values, "-"])
    setting.add_argument("--user", action="store_true", help="the holder is a user")
    setting.set_defaults(handler=handle_raci_set)


def _register_oncall(sub) -> None:
    oncall = sub.add_parser("oncall", help="on-call rotas: who is on call, overrides, feeds")
    actions = oncall.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    now = actions.add_parser("now", help="who is on call now")
    now.add_argument("team", nargs="?")
    now.add_argument("--at", help="another moment (YYYY-MM-DD HH:MM)")
    now.set_defaults(handler=handle_oncall_now)
    shifts = actions.add_parser("shifts", help="the coming shifts of a team's rota")
    shifts.add_argument("team")
    shifts.add_argument("--rota")
    shifts.add_argument("--count", type=int, default=8)
    shifts.set_defaults(handler=handle_oncall_shifts)
    rota = actions.add_parser("rota", help="create or change a team's rota")
    rota.add_argument("team")
    rota.add_argument("name")
    rota.add_argument("--members", help="user names in order, comma separated")
    rota.add_argument("--rotation", choices=Rotation.values)
    rota.add_argument("--handover", help="hand-over time, HH:MM")
    rota.add_argument("--time-zone")
    rota.add_argument("--start", help="first day, YYYY-MM-DD")
    rota.set_defaults(handler=handle_oncall_rota)
    override = actions.add_parser("override", help="someone covers from START to END")
    override.add_argument("team")
    override.add_argument("user")
    override.add_argument("--start", required=True)
    override.add_argument("--end", required=True)
    override.add_argument("--reason", default="")
    override.add_argument("--rota")
    override.set_defaults(handler=handle_oncall_override)
    note = actions.add_parser("note", help="write a hand-over note")
    note.add_argument("team")
    note.add_argument("text")
    note.add_argument("--rota")
    note.set_defaults(handler=handle_oncall_note)
    feed = actions.add_parser("feed", help="a new iCal feed address for a rota")
    feed.add_argument("team")
    feed.add_argument("--rota")
    feed.set_defaults(handler=handle_oncall_feed)


def _register_announce(sub) -> None:
    announce = sub.add_parser("announce", help="announcements to the team and the portal")
    actions = announce.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    actions.add_parser("list", help="announcements").set_defaults(handler=handle_announce_list)
    add = actions.add_parser("add", help="a new announcement")
    add.add_argument("title")
    add.add_argument("--text", default="")
    add.add_argument("--title-zh", default="")
    add.add_argument("--text-zh", default="")
    add.add_argument("--level", choices=Announcement.Level.values, default="info")
    add.add_argument("--team", help="also mail this team's members")
    add.add_argument("--portal", action="store_true", help="a banner on the portal")
    add.add_argument("--no-team", action="store_true", help="the portal only")
    add.add_argument("--starts", help="YYYY-MM-DD HH:MM (default: now)")
    add.add_argument("--ends", help="YYYY-MM-DD HH:MM")
    add.set_defaults(handler=handle_announce_add)


# -- helpers ----------------------------------------------------------------------------------


def may(action: str, model: str) -> None:
    user = acting_user()
    if user is not None and not user.has_perm(f"accounts.{action}_{model}"):
        raise CommandError(
            f"{user.get_username()} may not {action} {model}s", EXIT_USAGE, "forbidden"
        )


@contextlib.contextmanager
def reported():
    """Bad input as one line with exit code 2, never a traceback."""
    try:
        yield
    except ValidationError as exc:
        raise validation_error(exc) from None
    except PermissionDenied as exc:
        raise CommandError(str(exc), EXIT_USAGE, "forbidden") from None


def find_team(name: str) -> Team:
    return find_one(Team.objects.all(), "team", name=name)


def find_user(name: str):
    return find_one(get_user_model().objects.all(), "user", username=name)


def find_rota(team: Team, name: str | None) -> Rota:
    if name:
        return find_one(team.rotas.all(), "rota", name=name)
    rota = team.rotas.order_by("name").first()
    if rota is None:
        raise CommandError(f"team {team.name!r} has no rota", 3, "not_found")
    return rota


def moment(text: str | None, option: str) -> dt.datetime | None:
    if not text:
        return None
    parsed = parse_datetime(text.replace("T", " ") if len(text) > 10 else text + " 00:00")
    if parsed is None:
        raise CommandError(f"{option}: give a moment as YYYY-MM-DD HH:MM", EXIT_USAGE, "usage")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def user_name(user) -> str:
    return user.get_username() if user else ""


def team_row(team: Team) -> dict:
    return {
        "name": team.name,
        "lead": user_name(team.lead),
        "members": len(team.memberships.all()),
        "description": team.description,
    }


def shift_row(shift) -> dict:
    return {
        "rota": str(shift.rota),
        "user": user_name(shift.user),
        "start": shift.start.isoformat(timespec="minutes"),
        "end": shift.end.isoformat(timespec="minutes"),
        "override": shift.override.reason or "yes" if shift.override else "",
    }


# -- team -------------------------------------------------------------------------------------


def handle_team_list(args) -> int:
    may("view", "team")
    rows = [
        team_row(t) for t in Team.objects.select_related("lead").prefetch_related("memberships")
    ]
    emit(args, rows, table(rows, TEAM_COLUMNS))
    return 0


def handle_team_show(args) -> int:
    may("view", "team")
    team = find_team(args.team)
    data = team_row(team)
    data["members"] = [
        {"user": user_name(m.user), "role": m.role, "responsibility": m.responsibility}
        for m in team.memberships.select_related("user")
    ]
    data["on_call"] = user_name(services.on_call(team))
    emit(args, data, render_plain(data))
    return 0


def handle_team_add(args) -> int:
    may("add", "team")
    lead = find_user(args.lead) if args.lead else None
    with reported():
        team = services.create_team(name=args.name, description=args.description, lead=lead)
    emit(args, team_row(team), f"team {team.name} created")
    return 0


def handle_member_add(args) -> int:
    may("change", "team")
    team, user = find_team(args.team), find_user(args.user)
    with reported():
        services.add_member(team, user, role=args.role, responsibility=args.responsibility)
    emit(
        args,
        {"team": team.name, "user": user.get_username(), "role": args.role},
        f"{user.get_username()} is in {team.name}",
    )
    return 0


def handle_member_remove(args) -> int:
    may("change", "team")
    team, user = find_team(args.team), find_user(args.user)
    with reported():
        services.remove_member(team, user)
    emit(
        args,
        {"team": team.name, "removed": user.get_username()},
        f"{user.get_username()} left {team.name}",
    )
    return 0


# -- raci -------------------------------------------------------------------------------------


def handle_raci_show(args) -> int:
    may("view", "raciassignment")
    matrix = services.raci_matrix()
    rows = services.matrix_rows(matrix)
    columns = ["area", *[str(holder) for _key, holder in matrix.columns]]
    text = table(rows, columns)
    if matrix.without_accountable:
        text += "\nno Accountable yet: " + ", ".join(matrix.without_accountable)
    emit(args, rows, text)
    return 0


def handle_raci_set(args) -> int:
    may("change", "raciassignment")
    holder = find_user(args.holder) if args.user else find_team(args.holder)
    with reported():
        cell = services.set_raci(args.area, holder, args.letter)
    letter = cell.letter if cell else "-"
    emit(
        args,
        {"area": args.area, "holder": str(holder), "letter": letter},
        f"{args.area}: {holder} {letter}",
    )
    return 0


# -- oncall -----------------------------------------------------------------------------------


def handle_oncall_now(args) -> int:
    may("view", "rota")
    at = moment(args.at, "--at") or timezone.now()
    teams = [find_team(args.team)] if args.team else list(Team.objects.order_by("name"))
    rows = []
    for team in teams:
        shift = services.current_shift(team, at)
        rows.append(
            {
                "team": team.name,
                "user": user_name(shift.user) if shift else "",
                "email": shift.user.email if shift else "",
                "until": shift.end.isoformat(timespec="minutes") if shift else "",
                "override": bool(shift and shift.override),
            }
        )
    emit(args, rows, table(rows, ["team", "user", "email", "until", "override"]))
    return 0


def handle_oncall_shifts(args) -> int:
    may("view", "rota")
    rota = find_rota(find_team(args.team), args.rota)
    rows = [shift_row(s) for s in services.upcoming_shifts(rota, max(args.count, 1))]
    emit(args, rows, table(rows, SHIFT_COLUMNS))
    return 0


def handle_oncall_rota(args) -> int:
    team = find_team(args.team)
    existing = team.rotas.filter(name=args.name).first()
    may("change" if existing else "add", "rota")
    fields = _rota_fields(args)
    members = [find_user(n.strip()) for n in args.members.split(",")] if args.members else None
    with reported():
        if existing is None:
            rota = services.create_rota(team=team, name=args.name, members=members or (), **fields)
        else:
            rota = services.update_rota(existing, **fields)
            if members is not None:
                services.set_members(rota, members)
    data = {"rota": str(rota), "members": [user_name(m.user) for m in rota.members.all()]}
    emit(args, data, render_plain(data))
    return 0


def _rota_fields(args) -> dict:
    fields = {}
    if args.rotation:
        fields["rotation"] = args.rotation
    if args.handover:
        fields["handover_time"] = parse_time(args.handover)
        if fields["handover_time"] is None:
            raise CommandError("--handover: give a time as HH:MM", EXIT_USAGE, "usage")
    if args.time_zone:
        fields["time_zone"] = args.time_zone
    if args.start:
        fields["start_date"] = moment(args.start, "--start").date()
    return fields


def handle_oncall_override(args) -> int:
    may("add", "rotaoverride")
    rota = find_rota(find_team(args.team), args.rota)
    user = find_user(args.user)
    start, end = moment(args.start, "--start"), moment(args.end, "--end")
    with reported():
        override = services.add_override(
            rota, user, start, end, reason=args.reason, actor=acting_user()
        )
    data = {
        "rota": str(rota),
        "user": user.get_username(),
        "start": override.start.isoformat(),
        "end": override.end.isoformat(),
    }
    emit(args, data, f"{user.get_username()} is on call for {rota} from {start} to {end}")
    return 0


def handle_oncall_note(args) -> int:
    may("add", "handovernote")
    rota = find_rota(find_team(args.team), args.rota)
    with reported():
        note = services.write_handover_note(rota, args.text, actor=acting_user())
    emit(args, {"rota": str(rota), "note": note.pk}, f"hand-over note {note.pk} written")
    return 0


def handle_oncall_feed(args) -> int:
    may("change", "rota")
    rota = find_rota(find_team(args.team), args.rota)
    token = services.new_feed_token(rota)
    path = reverse("accounts-rota-feed", args=[token])
    emit(
        args,
        {"rota": str(rota), "path": path},
        f"iCal feed of {rota} (shown once; the old address stops working):\n{path}",
    )
    return 0


# -- announce ---------------------------------------------------------------------------------


def handle_announce_list(args) -> int:
    may("view", "announcement")
    rows = [
        {
            "id": a.pk,
            "title": a.title,
            "level": a.level,
            "team": a.to_team,
            "portal": a.to_portal,
            "starts": a.starts.isoformat(timespec="minutes"),
            "ends": a.ends.isoformat(timespec="minutes") if a.ends else "",
            "sent": a.sent_at.isoformat(timespec="minutes") if a.sent_at else "",
        }
        for a in Announcement.objects.all()[:100]
    ]
    emit(args, rows, table(rows, ["id", "starts", "ends", "level", "team", "portal", "title"]))
    return 0


def handle_announce_add(args) -> int:
    may("add", "announcement")
    fields = {
        "title": args.title,
        "text": args.text,
        "title_zh": args.title_zh,
        "text_zh": args.text_zh,
        "level": args.level,
        "to_team": not args.no_team,
        "team": find_team(args.team) if args.team else None,
        "to_portal": args.portal,
        "ends": moment(args.ends, "--ends"),
    }
    if args.starts:
        fields["starts"] = moment(args.starts, "--starts")
    with reported():
        announcement = services.create_announcement(actor=acting_user(), **fields)
    sent = " and sent to the team" if announcement.sent_at else ""
    emit(
        args,
        {"id": announcement.pk, "sent": bool(announcement.sent_at)},
        f"announcement {announcement.pk} created{sent}",
    )
    return 0
