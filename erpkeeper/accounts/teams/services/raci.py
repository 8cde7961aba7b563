"""The RACI matrix: for each of the twenty areas, who is Responsible, Accountable, Consulted
or Informed. An area has at most one Accountable (a second is refused, naming the first); the
matrix lists the areas that still have none."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from erpkeeper.accounts.teams.models import Area, Raci, RaciAssignment, Team


def _holder_lookup(holder) -> dict:
    if isinstance(holder, Team):
        return {"team": holder}
    if isinstance(holder, get_user_model()):
        return {"user": holder}
    raise ValidationError(_("A RACI cell belongs to a team or a user."))


def check_area(area: str) -> str:
    if area not in Area.values:
        raise ValidationError(
            {
                "area": _("Unknown area %(area)s. Areas: %(areas)s")
                % {"area": area, "areas": ", ".join(Area.values)}
            }
        )
    return area


@transaction.atomic
def set_raci(area: str, holder, letter: str) -> RaciAssignment | None:
    """Give ``holder`` (a team or a user) ``letter`` (R, A, C or I) for ``area``; an empty
    letter (or "-") clears the cell. Returns the cell, or None once cleared."""
    check_area(area)
    lookup = _holder_lookup(holder)
    letter = (letter or "").strip().upper()
    cell = RaciAssignment.objects.select_for_update().filter(area=area, **lookup).first()
    if letter in ("", "-"):
        if cell is not None:
            cell.delete()
        return None
    if letter not in Raci.values:
        raise ValidationError({"letter": _("A RACI cell is R, A, C or I (or - to clear it).")})
    if letter == Raci.ACCOUNTABLE:
        _refuse_second_accountable(area, cell)
    cell = cell or RaciAssignment(area=area, **lookup)
    cell.letter = letter
    cell.full_clean()
    cell.save()
    return cell


def _refuse_second_accountable(area: str, cell: RaciAssignment | None) -> None:
    others = RaciAssignment.objects.filter(area=area, letter=Raci.ACCOUNTABLE)
    if cell is not None:
        others = others.exclude(pk=cell.pk)
    other = others.select_related("team", "user").first()
    if other is not None:
        raise ValidationError(
            {
                "letter": _(
                    "%(area)s already has an Accountable: %(holder)s. Exactly one team or "
                    "person is accountable for an area: change that cell first."
                )
                % {"area": Area(area).label, "holder": other.holder}
            }
        )


@dataclass
class MatrixRow:
    area: str
    label: str
    cells: dict = field(default_factory=dict)  # column key -> letter

    @property
    def has_accountable(self) -> bool:
        return Raci.ACCOUNTABLE in self.cells.values()


@dataclass
class Matrix:
    columns: list  # [(key, team or user)]
    rows: list[MatrixRow]

    @property
    def without_accountable(self) -> list[str]:
        return [row.area for row in self.rows if not row.has_accountable]


def column_key(holder) -> str:
    return f"team:{holder.pk}" if isinstance(holder, Team) else f"user:{holder.pk}"


def raci_matrix() -> Matrix:
    """Every area as a row; every team, then every user with a cell of their own, as a
    column."""
    cells = list(RaciAssignment.objects.select_related("team", "user"))
    columns = [(column_key(team), team) for team in Team.objects.order_by("name")]
    users = {cell.user.pk: cell.user for cell in cells if cell.user_id}
    columns += [(column_key(user), user) for user in sorted(users.values(), key=str)]
    rows = {area: MatrixRow(area, str(label)) for area, label in Area.choices}
    for cell in cells:
        rows[cell.area].cells[column_key(cell.holder)] = cell.letter
    return Matrix(columns=columns, rows=list(rows.values()))


def matrix_rows(matrix: Matrix) -> list[dict]:
    """The matrix as one dict per area (for the API, the CLI and the XLSX export)."""
    result = []
    for row in matrix.rows:
        item = {"area": row.area, "label": row.label}
        for key, holder in matrix.columns:
            item[str(holder)] = row.cells.get(key, "")
        result.append(item)
    return result


def accountable_for(area: str):
    """The team or user accountable for ``area`` (None when nobody is yet)."""
    cell = (
        RaciAssignment.objects.filter(area=check_area(area), letter=Raci.ACCOUNTABLE)
        .select_related("team", "user")
        .first()
    )
    return cell.holder if cell else None
