"""The RACI matrix as a grid: areas as rows, teams (and people with a cell of their own) as
columns; who may change it picks R, A, C or I in each cell; exported to Excel."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin

from erpkeeper.accounts.teams import services
from erpkeeper.accounts.teams.models import Area, Raci, RaciAssignment, Team
from erpkeeper.lib.cli import validation_text
from erpkeeper.lib.exports import XLSX_CONTENT_TYPE, xlsx_bytes


@admin.register(RaciAssignment)
class RaciAssignmentAdmin(ModelAdmin):
    """The list is the grid (``matrix/``); cells are set there, one service call each."""

    list_display = ["area", "team", "user", "letter"]
    list_filter = ["area", "letter", "team"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # through the grid, which checks the one Accountable per area

    def changelist_view(self, request, extra_context=None):
        return redirect("admin:accounts_raciassignment_matrix")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("matrix/", wrap(self.matrix_view), name="accounts_raciassignment_matrix"),
            *super().get_urls(),
        ]

    def matrix_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        editable = request.user.has_perm("accounts.change_raciassignment")
        if request.method == "POST":
            if not editable:
                raise PermissionDenied
            self._save_cells(request)
            return redirect("admin:accounts_raciassignment_matrix")
        matrix = services.raci_matrix()
        if request.GET.get("format") == "xlsx":
            return _xlsx(matrix)
        return TemplateResponse(
            request, "accounts/teams/raci.html", self._context(request, matrix, editable)
        )

    def _context(self, request, matrix, editable):
        rows = [
            {
                "area": row.area,
                "label": row.label,
                "missing": not row.has_accountable,
                "cells": [(key, row.cells.get(key, "")) for key, _holder in matrix.columns],
            }
            for row in matrix.rows
        ]
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("RACI matrix"),
            "columns": matrix.columns,
            "rows": rows,
            "letters": Raci.choices,
            "editable": editable,
            "users": get_user_model().objects.filter(is_active=True).order_by("username")
            if editable
            else [],
            "areas": Area.choices,
            "xlsx_url": reverse("admin:accounts_raciassignment_matrix") + "?format=xlsx",
        }

    def _save_cells(self, request):
        """Each changed cell through ``set_raci``; a refused one is reported, the rest kept."""
        matrix = services.raci_matrix()
        current = {
            (row.area, key): letter for row in matrix.rows for key, letter in row.cells.items()
        }
        wanted = _posted_cells(request.POST)
        # Clear before setting, so moving the A from one column to another in one save works.
        changes = sorted(
            (
                (area, key, letter)
                for (area, key), letter in wanted.items()
                if current.get((area, key), "") != letter
            ),
            key=lambda change: change[2] != "",
        )
        saved = 0
        for area, key, letter in changes:
            try:
                services.set_raci(area, _holder(key), letter)
                saved += 1
            except (ValidationError, LookupError) as exc:
                text = validation_text(exc) if isinstance(exc, ValidationError) else str(exc)
                messages.error(request, text)
        if saved:
            text = ngettext("%(count)d cell saved.", "%(count)d cells saved.", saved)
            messages.success(request, text % {"count": saved})


def _posted_cells(post) -> dict:
    """``cell:<area>:<team:1|user:2>`` -> letter; the extra row adds a person's column."""
    cells = {}
    for name, value in post.items():
        if name.startswith("cell:"):
            _prefix, area, key = name.split(":", 2)
            if area in Area.values and value in ("", *Raci.values):
                cells[(area, key)] = value
    extra_user, extra_area, extra_letter = (
        post.get("new_user", ""),
        post.get("new_area", ""),
        post.get("new_letter", ""),
    )
    if extra_user.isdigit() and extra_area in Area.values and extra_letter in Raci.values:
        cells[(extra_area, f"user:{extra_user}")] = extra_letter
    return cells


def _holder(key: str):
    kind, _sep, pk = key.partition(":")
    model = Team if kind == "team" else get_user_model()
    holder = model.objects.filter(pk=pk).first() if pk.isdigit() else None
    if holder is None:
        raise LookupError(_("That team or person no longer exists."))
    return holder


def _xlsx(matrix) -> HttpResponse:
    response = HttpResponse(
        xlsx_bytes(services.matrix_rows(matrix), title="RACI"), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = 'attachment; filename="raci.xlsx"'
    return response
