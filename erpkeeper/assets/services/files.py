"""Assets from and to XLSX and CSV files, with django-import-export.

An import is all or nothing: every row is validated (the model's own checks: unique name,
serial number unique per vendor, a rack in its site) and saved inside one transaction; when any
row fails, every row's errors are reported and the transaction is rolled back, so nothing is
half-imported. ``dry_run`` checks a file the same way and always rolls back.
Errors name the row as a spreadsheet shows it (the header is row 1).
Columns are the field names below (``ASSET_COLUMNS``), in any order; an unknown column or a file
without ``name`` is refused before any row is read. Dates are ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, TextField
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from erpkeeper.assets.models import Asset, Rack, Site

ASSET_COLUMNS = (
    "name",
    "kind",
    "status",
    "vendor",
    "model",
    "serial_number",
    "cpu",
    "ram_mb",
    "os",
    "site",
    "rack",
    "purchase_date",
    "supplier",
    "cost",
    "warranty_end",
    "end_of_life",
    "expected_life_years",
    "notes",
)
FORMATS = ("xlsx", "csv")
MAX_ROWS = 10_000


class IsoDateWidget(widgets.DateWidget):
    """``YYYY-MM-DD`` (or a spreadsheet's date cell), with a message that says so."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ValueError:
            raise ValueError(
                _("give a date as YYYY-MM-DD, not %(value)s") % {"value": value}
            ) from None


DATE = IsoDateWidget(format="%Y-%m-%d")


class SiteWidget(widgets.ForeignKeyWidget):
    """A site by its name, with a message that names it."""

    def clean(self, value, row=None, **kwargs):
        if not value:
            return None
        site = Site.objects.filter(name=str(value).strip()).first()
        if site is None:
            raise ValueError(_("Unknown site: %(name)s") % {"name": value})
        return site


class RackWidget(widgets.ForeignKeyWidget):
    """A rack by its name, within the row's site."""

    def clean(self, value, row=None, **kwargs):
        if not value:
            return None
        racks = Rack.objects.filter(name=str(value).strip())
        if row and row.get("site"):
            racks = racks.filter(site__name=str(row["site"]).strip())
        rack = racks.first()
        if rack is None:
            raise ValueError(_("Unknown rack: %(name)s") % {"name": value})
        return rack

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class AssetResource(resources.ModelResource):
    site = fields.Field(attribute="site", column_name="site", widget=SiteWidget(Site, field="name"))
    rack = fields.Field(attribute="rack", column_name="rack", widget=RackWidget(Rack))
    purchase_date = fields.Field(
        attribute="purchase_date", column_name="purchase_date", widget=DATE
    )
    warranty_end = fields.Field(attribute="warranty_end", column_name="warranty_end", widget=DATE)
    end_of_life = fields.Field(attribute="end_of_life", column_name="end_of_life", widget=DATE)

    class Meta:
        model = Asset
        fields = ASSET_COLUMNS
        export_order = ASSET_COLUMNS
        import_id_fields = ("name",)
        clean_model_instances = True
        skip_unchanged = False
        use_transactions = True

    def before_save_instance(self, instance, row, **kwargs):
        # An empty cell is read as None; the model keeps empty text as "".
        for model_field in Asset._meta.concrete_fields:
            if (
                isinstance(model_field, CharField | TextField)
                and getattr(instance, model_field.attname) is None
            ):
                setattr(instance, model_field.attname, "")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)  # "row 3: serial_number: …"
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def read_dataset(content: bytes, file_format: str) -> tablib.Dataset:
    if file_format not in FORMATS:
        raise ValidationError(_("Give an .xlsx or .csv file."))
    try:
        if file_format == "csv":
            dataset = tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
        else:
            dataset = tablib.Dataset().load(content, format="xlsx")
    except Exception as exc:  # noqa: BLE001 - tablib raises whatever its reader raises
        raise ValidationError(
            _("The file cannot be read as %(format)s: %(error)s")
            % {"format": file_format.upper(), "error": str(exc)[:200]}
        ) from None
    _check_columns(dataset)
    return dataset


def _check_columns(dataset: tablib.Dataset) -> None:
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    dataset.headers = headers
    unknown = [h for h in headers if h not in ASSET_COLUMNS]
    if "name" not in headers or unknown:
        raise ValidationError(
            _("Wrong columns: %(unknown)s. The columns are: %(columns)s (name is required).")
            % {"unknown": ", ".join(unknown) or "—", "columns": ", ".join(ASSET_COLUMNS)}
        )
    if dataset.height > MAX_ROWS:
        raise ValidationError(_("More than %(max)s rows; split the file.") % {"max": MAX_ROWS})


def import_assets(content: bytes, file_format: str, *, dry_run: bool = False) -> ImportReport:
    """Import the file's assets (created, or updated by name) in one transaction; nothing is
    kept when any row has an error, or on a dry run."""
    dataset = read_dataset(content, file_format)
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic():
        result = AssetResource().import_data(
            dataset, dry_run=False, raise_errors=False, use_transactions=True
        )
        report.errors = row_errors(result)
        report.created = result.totals.get("new", 0)
        report.updated = result.totals.get("update", 0)
        if report.errors or dry_run:
            transaction.set_rollback(True)
    return report


def row_errors(result) -> list[str]:
    errors = []
    for line, row_errs in result.row_errors():
        for err in row_errs:
            errors.append(
                _("row %(row)s: %(error)s") % {"row": line + 1, "error": _first_line(err.error)}
            )
    for invalid in result.invalid_rows:
        for name, messages in invalid.error_dict.items():
            label = "" if name == "__all__" else f"{name}: "
            for message in messages:
                errors.append(
                    _("row %(row)s: %(error)s")
                    % {"row": invalid.number + 1, "error": label + str(message)}
                )
    return sorted(errors, key=_row_number)


def _row_number(text: str) -> int:
    digits = "".join(ch for ch in text.split(":")[0] if ch.isdigit())
    return int(digits or 0)


def _first_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__


def export_assets(queryset=None, file_format: str = "xlsx") -> bytes:
    if file_format not in FORMATS:
        raise ValidationError(_("The format is xlsx or csv."))
    dataset = AssetResource().export(queryset if queryset is not None else Asset.objects.all())
    data = dataset.export(file_format)
    return data.encode("utf-8-sig") if isinstance(data, str) else data


def export_filename(file_format: str) -> str:
    return f"assets-{dt.date.today().isoformat()}.{file_format}"
