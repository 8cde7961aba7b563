"""``erpkeeper asset list|show|add|import|export|inspect|health``.

    erpkeeper asset list --kind server --status in_use
    erpkeeper asset show db1                       (by name or id: disks, software, health)
    erpkeeper --as olga asset add fs2 --kind storage --vendor Dell --serial ABC123 \\
        --warranty-end 2027-03-31 --site 上海机房
    erpkeeper asset import assets.xlsx --dry-run   (all rows or none; errors name their rows)
    erpkeeper asset export --format csv -o assets.csv
    erpkeeper asset inspect                         (open inspections, overdue marked)
    erpkeeper asset inspect 12 --result "Fans=ok" --result "RAID=issue:disk 2 rebuilding"
    erpkeeper asset health [db1]                    (recompute; proposes replacements)

``--as USER`` acts as that user; their role decides what they may change (ops engineers and
administrators change, the other roles read).
"""

from __future__ import annotations

import datetime as dt
import decimal
import sys
from pathlib import Path

from django.core.exceptions import ValidationError

from erpkeeper.assets import services
from erpkeeper.assets.filters import AssetFilterSet
from erpkeeper.assets.models import Asset, AssetKind, AssetStatus, Inspection, InspectionState
from erpkeeper.core.audit import acting_user
from erpkeeper.lib.cli import (
    EXIT_FAILED,
    EXIT_USAGE,
    CommandError,
    emit,
    find_one,
    render_plain,
    table,
    validation_error,
)
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments

LIST_COLUMNS = ["id", "name", "kind", "status", "vendor", "model", "serial_number",
                "warranty_end", "health"]  # fmt: skip
INSPECTION_COLUMNS = ["id", "asset", "template", "due_date", "overdue"]


def register(sub) -> None:
    asset = sub.add_parser("asset", help="hardware and software assets")
    actions = asset.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="assets")
    add_filter_arguments(listing, AssetFilterSet)
    listing.add_argument("--limit", type=int, default=200)
    listing.set_defaults(handler=handle_list)
    show = actions.add_parser("show", help="an asset with its disks, software and health")
    show.add_argument("asset", help="the asset's name or id")
    show.set_defaults(handler=handle_show)
    add = actions.add_parser("add", help="add an asset by hand")
    _add_arguments(add)
    add.set_defaults(handler=handle_add)
    importing = actions.add_parser("import", help="import an .xlsx or .csv file (all or nothing)")
    importing.add_argument("file")
    importing.add_argument("--dry-run", action="store_true", help="check only, import nothing")
    importing.set_defaults(handler=handle_import)
    export = actions.add_parser("export", help="every asset as an .xlsx or .csv file")
    export.add_argument("--format", choices=services.files.FORMATS, default="xlsx")
    export.add_argument("-o", "--output", metavar="FILE", help="default assets-DATE.FORMAT")
    export.set_defaults(handler=handle_export)
    inspect = actions.add_parser("inspect", help="open inspections, or record one's results")
    inspect.add_argument("inspection", nargs="?", type=int, help="the inspection's id")
    inspect.add_argument(
        "--result",
        action="append",
        default=[],
        metavar="ITEM=ok|ITEM=issue:NOTE",
        help="one checklist item's result; repeat for every item",
    )
    inspect.add_argument("--note", default="")
    inspect.set_defaults(handler=handle_inspect)
    health = actions.add_parser("health", help="recompute health scores (one asset or all)")
    health.add_argument("asset", nargs="?", help="the asset's name or id")
    health.set_defaults(handler=handle_health)


def _add_arguments(parser) -> None:
    parser.add_argument("name")
    parser.add_argument("--kind", choices=AssetKind.values, default=AssetKind.SERVER)
    parser.add_argument("--status", choices=AssetStatus.values, default=AssetStatus.IN_USE)
    for option in ("vendor", "model", "cpu", "os", "supplier", "notes"):
        parser.add_argument(f"--{option}", default="")
    parser.add_argument("--serial", default="", help="the serial number")
    parser.add_argument("--ram-mb", type=int)
    parser.add_argument("--site", help="the site's name (created when new)")
    parser.add_argument("--cost")
    for option in ("purchase-date", "warranty-end", "end-of-life"):
        parser.add_argument(f"--{option}", metavar="YYYY-MM-DD")


def may(action: str, model: str = "asset") -> None:
    user = acting_user()
    if user is not None and not user.has_perm(f"assets.{action}_{model}"):
        raise CommandError(
            f"{user.get_username()} may not {action} {model}s", EXIT_USAGE, "forbidden"
        )


def find_asset(text: str) -> Asset:
    lookup = {"pk": int(text)} if text.isdigit() else {"name": text}
    return find_one(Asset.objects, "asset", **lookup)


def asset_row(asset: Asset) -> dict:
    return {
        "id": asset.pk,
        "name": asset.name,
        "kind": asset.kind,
        "status": asset.status,
        "vendor": asset.vendor,
        "model": asset.model,
        "serial_number": asset.serial_number,
        "site": str(asset.site or ""),
        "warranty_end": asset.warranty_end.isoformat() if asset.warranty_end else "",
        "end_of_life": asset.end_of_life.isoformat() if asset.end_of_life else "",
        "health": asset.health_score,
    }


def handle_list(args) -> int:
    may("view")
    assets = filter_from_arguments(AssetFilterSet, Asset.objects.order_by("name"), args)
    rows = [asset_row(a) for a in assets.select_related("site")[: max(args.limit, 0)]]
    emit(args, rows, table(rows, LIST_COLUMNS))
    return 0


def handle_show(args) -> int:
    may("view")
    asset = find_asset(args.asset)
    row = {
        **asset_row(asset),
        "cpu": asset.cpu,
        "ram_mb": asset.ram_mb,
        "os": asset.os,
        "targets": [t.name for t in asset.targets.all()],
        "disks": [
            {
                "device": d.device,
                "model": d.model,
                "smart": d.smart_health,
                "reallocated": d.reallocated_sectors,
                "temperature": d.temperature_c,
            }
            for d in asset.disks.all()
        ],  # fmt: skip
        "software": [f"{s.product} {s.version}".strip() for s in asset.software.all()],
        "health_reasons": [services.reason_text(r) for r in asset.health_reasons],
    }
    emit(args, row, render_plain(row))
    return 0


def _date(text: str | None, option: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--{option}: give a date as YYYY-MM-DD", EXIT_USAGE, "usage") from None


def _cost(text: str | None) -> decimal.Decimal | None:
    if not text:
        return None
    try:
        return decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise CommandError("--cost: give a number", EXIT_USAGE, "usage") from None


def handle_add(args) -> int:
    may("add")
    try:
        asset = services.create_asset(
            name=args.name,
            kind=args.kind,
            status=args.status,
            vendor=args.vendor,
            model=args.model,
            serial_number=args.serial,
            cpu=args.cpu,
            os=args.os,
            ram_mb=args.ram_mb,
            supplier=args.supplier,
            notes=args.notes,
            site=services.site_named(args.site or "", create=True),
            cost=_cost(args.cost),
            purchase_date=_date(args.purchase_date, "purchase-date"),
            warranty_end=_date(args.warranty_end, "warranty-end"),
            end_of_life=_date(args.end_of_life, "end-of-life"),
        )
        services.refresh_health(asset)
    except ValidationError as exc:
        raise validation_error(exc) from None
    emit(args, asset_row(asset), f"asset {asset.pk} added: {asset.name}")
    return 0


def handle_import(args) -> int:
    may("add")
    path = Path(args.file)
    file_format = path.suffix.lower().lstrip(".")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise CommandError(
            f"cannot read {path}: {exc.strerror}", EXIT_USAGE, "unreadable"
        ) from None
    try:
        report = services.import_assets(content, file_format, dry_run=args.dry_run)
    except ValidationError as exc:
        raise validation_error(exc) from None
    data = {"created": report.created, "updated": report.updated,
            "dry_run": report.dry_run, "errors": report.errors}  # fmt: skip
    if report.errors:
        if not getattr(args, "json", False):
            for error in report.errors:
                print(error, file=sys.stderr)
        raise CommandError(
            f"nothing imported: {len(report.errors)} error(s) in {path.name}", EXIT_USAGE, "invalid"
        )
    verb = "would import" if report.dry_run else "imported"
    emit(args, data, f"{verb}: {report.created} new, {report.updated} updated")
    return 0


def handle_export(args) -> int:
    may("view")
    output = Path(args.output or services.export_filename(args.format))
    content = services.export_assets(file_format=args.format)
    try:
        output.write_bytes(content)
    except OSError as exc:
        raise CommandError(f"cannot write {output}: {exc.strerror}", EXIT_FAILED) from None
    count = Asset.objects.count()
    emit(args, {"file": str(output), "assets": count}, f"{count} assets written to {output}")
    return 0


def handle_inspect(args) -> int:
    if args.inspection is None:
        may("view", "inspection")
        today = dt.date.today()
        rows = [
            {"id": i.pk, "asset": i.asset.name, "template": i.template.name,
             "due_date": i.due_date.isoformat(), "overdue": "yes" if i.due_date < today else ""}
            for i in Inspection.objects.filter(state=InspectionState.DUE).select_related(
                "asset", "template")
        ]  # fmt: skip
        emit(args, rows, table(rows, INSPECTION_COLUMNS))
        return 0
    may("change", "inspection")
    inspection = find_one(Inspection.objects, "inspection", pk=args.inspection)
    results = [_parse_result(text) for text in args.result]
    try:
        following = services.complete_inspection(
            inspection, results, actor=acting_user(), note=args.note
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    inspection.refresh_from_db()
    data = {"id": inspection.pk, "state": inspection.state,
            "next_due": following.due_date.isoformat()}  # fmt: skip
    emit(
        args, data, f"inspection {inspection.pk}: {inspection.state}; next due {following.due_date}"
    )
    return 0


def _parse_result(text: str) -> dict:
    item, sep, rest = text.partition("=")
    outcome, _colon, note = rest.partition(":")
    if not sep or not item.strip():
        raise CommandError(f"--result expects ITEM=ok or ITEM=issue:NOTE, got {text!r}", EXIT_USAGE)
    return {"item": item.strip(), "outcome": outcome.strip(), "note": note.strip()}


def handle_health(args) -> int:
    may("change")  # recomputing may propose replacements
    assets = [find_asset(args.asset)] if args.asset else list(Asset.objects.exclude(
        status=AssetStatus.RETIRED))  # fmt: skip
    rows = []
    for asset in assets:
        score = services.refresh_health(asset)
        reasons = "; ".join(services.reason_text(r) for r in asset.health_reasons)
        rows.append({"name": asset.name, "health": score, "reasons": reasons})
    emit(args, rows, table(rows, ["name", "health", "reasons"]))
    return 0
