"""``erpkeeper review campaign list|show|create|launch|close|export``, ``erpkeeper review items
[--mine]`` and ``erpkeeper review decide ID... keep|revoke --comment TEXT``.

A reviewer says who they are with ``--as USERNAME`` (recorded in the audit trail); only the
item's reviewer may decide it. Without ``--as`` the host's operator sees every item.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from erpkeeper.core.audit import acting_user
from erpkeeper.lib.cli import (
    EXIT_FAILED,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    CommandError,
    emit,
    find_one,
    table,
    validation_error,
)
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments
from erpkeeper.security import services
from erpkeeper.security.filters import ReviewItemFilterSet
from erpkeeper.security.models import Campaign, CampaignStatus, ReviewerMode, ReviewItem
from erpkeeper.security.services.reviews import RUN_CAMPAIGNS
from erpkeeper.targets.cli import find_target


def register(sub) -> None:
    review = sub.add_parser("review", help="access review campaigns: scope, reviewers, decisions")
    actions = review.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    _register_campaign(actions)

    items = actions.add_parser("items", help="review items (yours with --mine and --as)")
    add_filter_arguments(items, ReviewItemFilterSet, exclude=("mine",))
    items.add_argument("--mine", action="store_true", help="only the items you (--as) review")
    items.add_argument("--limit", type=int, default=200)
    items.set_defaults(handler=handle_items)

    decide = actions.add_parser("decide", help="keep or revoke your review items")
    decide.add_argument("ids", nargs="+", type=int, metavar="ID")
    decide.add_argument("decision", choices=["keep", "revoke"])
    decide.add_argument("--comment", default="", help="why (needed to revoke)")
    decide.set_defaults(handler=handle_decide)

    hand = actions.add_parser("hand-over", help="give undecided review items to another reviewer")
    hand.add_argument("ids", nargs="+", type=int, metavar="ID")
    hand.add_argument("--to", required=True, metavar="USER", help="the new reviewer")
    hand.add_argument("--reason", default="", help="told to the new reviewer")
    hand.set_defaults(handler=handle_hand_over)


def _register_campaign(actions) -> None:
    campaign = actions.add_parser("campaign", help="access review campaigns")
    sub = campaign.add_subparsers(dest="campaign_action", metavar="ACTION")
    sub.required = True
    listing = sub.add_parser("list", help="campaigns, newest first")
    listing.add_argument("--status", choices=CampaignStatus.values)
    listing.set_defaults(handler=handle_list)
    show = sub.add_parser("show", help="a campaign with its progress per reviewer")
    show.add_argument("id", type=int)
    show.set_defaults(handler=handle_show)
    _register_create(sub)
    launch = sub.add_parser("launch", help="create the items and open the campaign")
    launch.add_argument("id", type=int)
    launch.add_argument("--fresh", action="store_true", help="take a new snapshot first")
    launch.set_defaults(handler=handle_launch)
    close = sub.add_parser("close", help="close (freeze) an open campaign")
    close.add_argument("id", type=int)
    close.set_defaults(handler=handle_close)
    export = sub.add_parser("export", help="the evidence as PDF or XLSX")
    export.add_argument("id", type=int)
    export.add_argument("--format", choices=["pdf", "xlsx"], default="pdf")
    export.add_argument("--output", "-o", required=True, metavar="FILE")
    export.add_argument("--language", choices=["en", "zh-hans"], help="default: yours (--as)")
    export.set_defaults(handler=handle_export)


def _register_create(sub) -> None:
    create = sub.add_parser("create", help="a draft campaign")
    create.add_argument("name")
    create.add_argument("--target", action="append", required=True, help="repeat for several")
    create.add_argument("--deadline", required=True, metavar="YYYY-MM-DD")
    create.add_argument("--reviewer", required=True, metavar="USERNAME", help="default reviewer")
    create.add_argument("--mode", choices=ReviewerMode.values, default=ReviewerMode.NAMED)
    create.add_argument("--groups", default="", help="comma-separated ERP groups in scope")
    create.add_argument("--roles", default="", help="comma-separated ERP roles in scope")
    create.add_argument("--users", default="", help="comma-separated ERP logins in scope")
    create.add_argument("--reminder-days", default="7,1")
    create.add_argument("--description", default="")
    create.add_argument("--owner", metavar="USERNAME", help="default: the --as user")
    create.set_defaults(handler=handle_create)


# -- helpers ------------------------------------------------------------------------------------


def _allowed_to_run() -> None:
    actor = acting_user()
    if actor is not None and not actor.has_perm(RUN_CAMPAIGNS):
        raise CommandError(
            f"{actor.get_username()} may not run access review campaigns", EXIT_USAGE, "forbidden"
        )


def _campaign(campaign_id: int) -> Campaign:
    return find_one(Campaign.objects.all(), "campaign", pk=campaign_id)


def _console_user(username: str, option: str):
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or not user.is_staff:
        raise CommandError(f"{option}: no active console user {username!r}", EXIT_USAGE, "usage")
    return user


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def campaign_row(campaign: Campaign) -> dict:
    totals = services.totals(campaign)
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "status": campaign.status,
        "deadline": campaign.deadline.isoformat(),
        "owner": campaign.owner.get_username(),
        "items": totals["total"],
        "decided": totals["decided"],
        "percent": totals["percent"],
    }


def item_row(item: ReviewItem) -> dict:
    request = getattr(item, "request", None)
    return {
        "id": item.pk,
        "campaign": item.campaign_id,
        "target": item.target_name,
        "login": item.login,
        "access": str(item.access_text),
        "reviewer": item.reviewer.get_username(),
        "decision": item.decision,
        "comment": item.comment,
        "remediation": request.state if request else "",
    }


# -- handlers -----------------------------------------------------------------------------------


def handle_list(args) -> int:
    queryset = Campaign.objects.select_related("owner")
    if args.status:
        queryset = queryset.filter(status=args.status)
    rows = [campaign_row(c) for c in queryset]
    emit(args, rows, table(rows, ["id", "name", "status", "deadline", "owner", "items", "percent"]))
    return 0


def handle_show(args) -> int:
    campaign = _campaign(args.id)
    data = {
        **campaign_row(campaign),
        "progress": services.progress(campaign),
        "requests": [
            {"id": r.pk, "what": r.what, "state": r.state} for r in campaign.requests.all()
        ],
    }
    lines = [f"{campaign.name} ({campaign.status}), deadline {data['deadline']}"]
    lines += [
        f"  {p['reviewer']}: {p['decided']}/{p['total']} decided ({p['percent']}%), "
        f"{p['revoked']} revoked"
        for p in data["progress"]
    ]
    lines += [f"  request {r['id']}: {r['what']}: {r['state']}" for r in data["requests"]]
    emit(args, data, "\n".join(lines))
    return 0


def handle_create(args) -> int:
    _allowed_to_run()
    try:
        deadline = dt.date.fromisoformat(args.deadline)
    except ValueError:
        raise CommandError(f"--deadline: not a date: {args.deadline}", EXIT_USAGE) from None
    owner_name = args.owner or (acting_user().get_username() if acting_user() else "")
    if not owner_name:
        raise CommandError("say who owns the campaign with --owner or --as", EXIT_USAGE, "usage")
    campaign = Campaign(
        name=args.name,
        description=args.description,
        scope_groups=_names(args.groups),
        scope_roles=_names(args.roles),
        scope_users=_names(args.users),
        reviewer_mode=args.mode,
        default_reviewer=_console_user(args.reviewer, "--reviewer"),
        deadline=deadline,
        reminder_days=args.reminder_days,
        owner=_console_user(owner_name, "--owner"),
    )
    targets = [find_target(name) for name in args.target]
    try:
        services.save_campaign(campaign, targets)
    except ValidationError as exc:
        raise validation_error(exc) from None
    emit(args, campaign_row(campaign), f"created draft campaign {campaign.pk}: {campaign.name}")
    return 0


def handle_launch(args) -> int:
    _allowed_to_run()
    campaign = _campaign(args.id)
    try:
        count = services.launch_campaign(campaign, fresh=args.fresh)
    except ValidationError as exc:
        raise validation_error(exc) from None
    emit(args, campaign_row(campaign), f"launched {campaign.name}: {count} items to review")
    return 0


def handle_close(args) -> int:
    _allowed_to_run()
    campaign = _campaign(args.id)
    try:
        services.close_campaign(campaign)
    except ValidationError as exc:
        raise validation_error(exc) from None
    emit(args, campaign_row(campaign), f"closed {campaign.name}")
    return 0


def handle_export(args) -> int:
    # Imported here: openpyxl and WeasyPrint are loaded only by an export, not by every command.
    from erpkeeper.lib.pdf import PdfUnavailable  # noqa: PLC0415
    from erpkeeper.security.services.review_export import (  # noqa: PLC0415
        export_campaign,
        language_of,
    )

    campaign = _campaign(args.id)
    language = args.language or language_of(acting_user())
    try:
        body = export_campaign(campaign, args.format, language)
        with open(args.output, "wb") as handle:
            handle.write(body)
    except PdfUnavailable as exc:
        raise CommandError(str(exc), EXIT_FAILED, "unavailable") from None
    except OSError as exc:
        message = f"cannot write {args.output}: {exc.strerror or type(exc).__name__}"
        raise CommandError(message, EXIT_FAILED, "unwritable") from None
    emit(args, {"written": args.output, "bytes": len(body)}, f"written {args.output}")
    return 0


def handle_items(args) -> int:
    actor = acting_user()
    if args.mine and actor is None:
        raise CommandError("--mine: say who you are with --as USERNAME", EXIT_USAGE, "usage")
    queryset = ReviewItem.objects.select_related("reviewer", "request")
    if actor is not None:
        queryset = services.items_visible_to(actor, queryset)
    if args.mine:
        queryset = queryset.filter(reviewer=actor)
    queryset = filter_from_arguments(ReviewItemFilterSet, queryset, args)
    rows = [item_row(item) for item in queryset[: max(args.limit, 1)]]
    columns = ["id", "campaign", "target", "login", "access", "reviewer", "decision"]
    emit(args, rows, table(rows, columns))
    return 0


def handle_decide(args) -> int:
    actor = acting_user()
    if actor is None:
        raise CommandError("say who decides with --as USERNAME", EXIT_USAGE, "usage")
    items = _items(args.ids)
    try:
        with transaction.atomic():
            for item in items:
                services.decide_item(item, user=actor, decision=args.decision, comment=args.comment)
    except PermissionDenied as exc:
        raise CommandError(str(exc), EXIT_USAGE, "forbidden") from None
    except ValidationError as exc:
        raise validation_error(exc) from None
    rows = [item_row(item) for item in items]
    emit(args, rows, f"{len(items)} items: {args.decision}")
    return 0


def _items(ids) -> list[ReviewItem]:
    items = []
    for item_id in ids:
        item = ReviewItem.objects.filter(pk=item_id).select_related("campaign").first()
        if item is None:
            raise CommandError(f"no review item with id {item_id}", EXIT_NOT_FOUND, "not_found")
        items.append(item)
    return items


def handle_hand_over(args) -> int:
    actor = acting_user()
    if actor is None:
        raise CommandError("say who hands over with --as USERNAME", EXIT_USAGE, "usage")
    to = find_one(get_user_model().objects, "user", username=args.to)
    items = _items(args.ids)
    try:
        count = services.reassign_items(items, to=to, by=actor, reason=args.reason)
    except PermissionDenied as exc:
        raise CommandError(str(exc), EXIT_USAGE, "forbidden") from None
    except ValidationError as exc:
        raise validation_error(exc) from None
    emit(args, [item_row(item) for item in items], f"{count} items handed to {to.get_username()}")
    return 0
