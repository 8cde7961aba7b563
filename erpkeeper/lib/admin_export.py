"""Every console list exports to XLSX: an action on the selected rows (or, with "select all",
on every row the filters let through), with the columns the list shows.

Registered once for the whole site (in erpkeeper/urls.py, once unfold's site exists), so a new
app's lists have it without a line of their own. Anyone who may view a list may export it.
"""

from __future__ import annotations

import html

from django.contrib import admin
from django.contrib.admin.utils import (
    display_for_field,
    display_for_value,
    label_for_field,
    lookup_field,
)
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

EMPTY = ""
SKIPPED_COLUMNS = {"action_checkbox"}


@admin.action(description=_("Export selected to Excel (XLSX)"), permissions=["view"])
def export_xlsx(modeladmin, request, queryset) -> HttpResponse:
    # Imported here: openpyxl takes a tenth of a second to load, and every process (the CLI
    # too) registers this action at start.
    from erpkeeper.lib.exports import XLSX_CONTENT_TYPE, xlsx_bytes  # noqa: PLC0415

    columns = export_columns(modeladmin, request)
    rows = [export_row(modeladmin, obj, columns) for obj in queryset]
    headers = [(name, label) for name, label in columns]
    title = str(modeladmin.model._meta.verbose_name_plural)
    response = HttpResponse(xlsx_bytes(rows, headers, title=title), content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = modeladmin.model._meta.model_name
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    return response


def export_columns(modeladmin, request) -> list[tuple[str, str]]:
    """The list's columns as (name, heading)."""
    names = [n for n in modeladmin.get_list_display(request) if n not in SKIPPED_COLUMNS]
    return [(name, _heading(name, modeladmin)) for name in names]


def _heading(name: str, modeladmin) -> str:
    return capfirst(strip_tags(str(label_for_field(name, modeladmin.model, modeladmin))))


def export_row(modeladmin, obj, columns) -> dict:
    return {name: cell_text(modeladmin, obj, name) for name, _heading in columns}


def cell_text(modeladmin, obj, name: str):
    """The value a list cell shows, as data: numbers and dates stay typed, HTML (badges, links,
    marks) becomes its text."""
    try:
        field, attr, value = lookup_field(name, obj, modeladmin)
    except (AttributeError, ObjectDoesNotExist):
        return EMPTY
    if field is None:
        boolean = getattr(attr, "boolean", False)
        if boolean or not isinstance(value, str):
            return _typed(value) if not boolean else display_for_value(value, EMPTY, boolean)
        return _text(value)
    if isinstance(field, models.ForeignKey | models.OneToOneField):
        return _text(str(value) if value is not None else EMPTY)
    if value is None or isinstance(field, models.BooleanField) or field.choices:
        return _text(display_for_field(value, field, EMPTY))
    return _typed(value)


def _typed(value):
    if isinstance(value, int | float) or hasattr(value, "isoformat"):
        return value
    return _text(str(value) if value is not None else EMPTY)


def _text(value) -> str:
    return html.unescape(strip_tags(str(value))).strip()
