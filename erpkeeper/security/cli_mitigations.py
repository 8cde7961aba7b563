"""``erpkeeper security mitigation|exception list|add|remove``: the controls that lower an SoD
risk, and the conflicts accepted for a while (registered by cli.py)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from erpkeeper.core.audit import acting_user
from erpkeeper.lib.cli import EXIT_USAGE, CommandError, emit, find_one, table, validation_error
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments
from erpkeeper.security.filters import AcceptedExceptionFilterSet, MitigatingControlFilterSet
from erpkeeper.security.models import AcceptedException, Frequency, MitigatingControl
from erpkeeper.security.services import mitigations
from erpkeeper.targets.cli import find_target

CONTROL_COLUMNS = ["id", "risk", "target", "login", "owner", "frequency", "expires"]
EXCEPTION_COLUMNS = ["id", "risk", "target", "login", "accepted_by", "expires", "reason"]


def register(actions) -> None:
    mitigation = actions.add_parser("mitigation", help="controls that lower an SoD risk")
    sub = mitigation.add_subparsers(dest="mitigation_action", metavar="ACTION")
    sub.required = True
    listing = sub.add_parser("list", help="mitigating controls")
    add_filter_arguments(listing, MitigatingControlFilterSet)
    listing.set_defaults(handler=handle_mitigation_list)
    add = sub.add_parser("add", help="a control of a risk (every user and target by default)")
    add.add_argument("risk")
    add.add_argument("--owner", required=True, help="who carries the control out")
    add.add_argument("--description", required=True)
    add.add_argument("--frequency", required=True, choices=Frequency.values)
    add.add_argument("--target", help="only on this target")
    add.add_argument("--login", default="", help="only for this ERP login")
    add.add_argument("--expires", help="YYYY-MM-DD; the control stops counting after it")
    add.set_defaults(handler=handle_mitigation_add)
    remove = sub.add_parser("remove", help="withdraw a control: the conflict counts again")
    remove.add_argument("id", type=int)
    remove.set_defaults(handler=handle_mitigation_remove)

    exception = actions.add_parser("exception", help="SoD conflicts accepted for a while")
    sub = exception.add_subparsers(dest="exception_action", metavar="ACTION")
    sub.required = True
    listing = sub.add_parser("list", help="accepted exceptions")
    add_filter_arguments(listing, AcceptedExceptionFilterSet)
    listing.set_defaults(handler=handle_exception_list)
    add = sub.add_parser("add", help="accept one login's conflict of a risk until a date")
    add.add_argument("risk")
    add.add_argument("--target", required=True)
    add.add_argument("--login", required=True)
    add.add_argument("--reason", required=True)
    add.add_argument("--expires", required=True, help="YYYY-MM-DD, at most a year ahead")
    add.set_defaults(handler=handle_exception_add)
    remove = sub.add_parser("remove", help="withdraw an exception: the conflict counts again")
    remove.add_argument("id", type=int)
    remove.set_defaults(handler=handle_exception_remove)


def control_row(control: MitigatingControl) -> dict:
    return {
        "id": control.pk,
        "risk": control.risk,
        "target": control.target.name if control.target_id else "*",
        "login": control.login or "*",
        "owner": control.owner,
        "frequency": control.frequency,
        "expires": control.expires.isoformat() if control.expires else "",
        "description": control.description,
    }


def exception_row(exception: AcceptedException) -> dict:
    return {
        "id": exception.pk,
        "risk": exception.risk,
        "target": exception.target.name,
        "login": exception.login,
        "accepted_by": exception.accepted_by,
        "expires": exception.expires.isoformat(),
        "reason": exception.reason,
    }


def handle_mitigation_list(args) -> int:
    queryset = MitigatingControl.objects.select_related("target")
    controls = filter_from_arguments(MitigatingControlFilterSet, queryset, args)
    rows = [control_row(control) for control in controls]
    emit(args, rows, table(rows, CONTROL_COLUMNS))
    return 0


def handle_mitigation_add(args) -> int:
    try:
        control = mitigations.add_mitigation(
            risk=args.risk,
            owner=args.owner,
            description=args.description,
            frequency=args.frequency,
            target=find_target(args.target) if args.target else None,
            login=args.login,
            expires=_date(args.expires) if args.expires else None,
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    emit(args, control_row(control), f"mitigating control {control.pk} added: {control}")
    return 0


def handle_mitigation_remove(args) -> int:
    control = find_one(MitigatingControl.objects, "mitigating control", pk=args.id)
    mitigations.withdraw(control)
    emit(args, {"removed": args.id}, f"mitigating control {args.id} withdrawn")
    return 0


def handle_exception_list(args) -> int:
    queryset = AcceptedException.objects.select_related("target")
    rows = [
        exception_row(e) for e in filter_from_arguments(AcceptedExceptionFilterSet, queryset, args)
    ]
    emit(args, rows, table(rows, EXCEPTION_COLUMNS))
    return 0


def handle_exception_add(args) -> int:
    user = acting_user()
    try:
        exception = mitigations.accept_exception(
            risk=args.risk,
            target=find_target(args.target),
            login=args.login,
            reason=args.reason,
            accepted_by=user.get_username() if user is not None else "cli",
            expires=_date(args.expires),
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    emit(args, exception_row(exception), f"exception {exception.pk} accepted: {exception}")
    return 0


def handle_exception_remove(args) -> int:
    exception = find_one(AcceptedException.objects, "accepted exception", pk=args.id)
    mitigations.withdraw(exception)
    emit(args, {"removed": args.id}, f"exception {args.id} withdrawn")
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--expires: not a date: {text!r}", EXIT_USAGE, "usage") from None
