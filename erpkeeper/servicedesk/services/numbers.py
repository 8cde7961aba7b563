"""Numbers of tickets and problems: ``ERP-2026-000123``, the prefix, the year, the year's
sequence (six digits at least, more after 999999).

Numbers are never sorted as text to find the last one: ``ERP-2026-1000000`` sorts before
``ERP-2026-999999``. The year's last number is that of its latest row by id (rows are numbered
in the order they are created); lists sort by creation, not by number.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

NUMBER_ATTEMPTS = 5


def sequence_of(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


def next_number(model, prefix: str, year: int) -> str:
    start = f"{prefix}-{year}-"
    last = (
        model.objects.filter(number__gte=start, number__lt=start + "\uffff")
        .order_by("-pk")
        .values_list("number", flat=True)
        .first()
    )
    return numbered(start, sequence_of(last) + 1 if last else 1)


def numbered(start: str, sequence: int) -> str:
    return f"{start}{sequence:06d}"


def save_with_number(obj, prefix: str, now: dt.datetime) -> None:
    """Save ``obj`` (a new row) under the year's next number. Two rows saved at once may pick
    the same one; the unique index refuses the second, which takes the number after it."""
    number = next_number(type(obj), prefix, now.year)
    for _attempt in range(NUMBER_ATTEMPTS):
        obj.number = number
        try:
            with transaction.atomic():
                obj.save()
            return
        except IntegrityError:
            obj.pk = None
            if not type(obj).objects.filter(number=number).exists():
                raise
            number = numbered(number.rsplit("-", 1)[0] + "-", sequence_of(number) + 1)
    raise ValidationError(_("Could not number the ticket; try again."))
