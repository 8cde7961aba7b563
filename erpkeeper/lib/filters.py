"""The filters of a list, declared once per model: a django-filter ``FilterSet`` in
``<app>/filters.py`` (``<Model>FilterSet``) that three readers share.

* the API: the viewset names it (``filterset_class``) and ``lib.api.ListFilterBackend`` applies
  it to the list; a bad value is a 400 naming the filter;
* the OpenAPI schema: drf-spectacular describes each filter (type, choices, help text);
* the CLI: ``add_filter_arguments`` builds a list command's options from it and
  ``filter_from_arguments`` applies them; a bad value is a one-line usage error (exit 2).

The filter classes here are those several lists share: an object by id or by name, an id, a
comma-separated list of choices, true or false, a date or a date-time.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import BaseCSVField

from erpkeeper.lib.cli import validation_error

MAX_ID = 2**63 - 1  # the largest id SQLite and PostgreSQL hold; a bigger number overflows them
DEST_PREFIX = "filter_"  # argparse dests of filter options: no clash with a command's own

TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")


# -- values -------------------------------------------------------------------------------------


def id_or_name(field: str, value: str, name_field: str = "name") -> dict:
    """Filter keywords for a value that is an object's id or its name: digits that fit an id are
    the id, anything else (a huge number too) is a name."""
    if value.isascii() and value.isdigit() and int(value) <= MAX_ID:
        return {f"{field}__pk": int(value)}
    return {f"{field}__{name_field}": value}


def parse_date_or_time(text: str, *, end_of_day: bool = False) -> dt.datetime:
    """An ISO date or date-time (naive: in the platform's time zone). A bare date is the start of
    that day, or with ``end_of_day`` the start of the next, so that "until a day" includes it.
    ValueError when it is neither."""
    text = str(text).strip()
    try:
        day = parse_date(text)
        moment = None if day is not None else parse_datetime(text)
    except ValueError:  # well formed but impossible, e.g. a 13th month
        day = moment = None
    if day is not None:
        moment = dt.datetime.combine(day, dt.time.min)
        if end_of_day:
            moment += dt.timedelta(days=1)
    if moment is None:
        raise ValueError(text)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


# -- form fields (they check a value; the messages name what to give) ---------------------------


class WholeNumberField(forms.Field):
    """A whole number from ``minimum`` to ``maximum`` (by default any id the database holds)."""

    default_error_messages = {
        "invalid": gettext_lazy("Give a whole number."),
        "range": gettext_lazy("Give a number from %(minimum)d to %(maximum)d."),
    }

    def __init__(self, *, minimum: int = 0, maximum: int = MAX_ID, **kwargs):
        self.minimum, self.maximum = minimum, maximum
        super().__init__(**kwargs)

    def to_python(self, value):
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        try:
            number = int(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not self.minimum <= number <= self.maximum:
            raise ValidationError(
                self.error_messages["range"],
                code="range",
                params={"minimum": self.minimum, "maximum": self.maximum},
            )
        return number


class TrueFalseField(forms.Field):
    """true or false (also 1/0, yes/no, any case); anything else is refused, not ignored."""

    default_error_messages = {"invalid": gettext_lazy("Give true or false.")}

    def to_python(self, value):
        if isinstance(value, bool) or value is None:
            return value
        text = str(value).strip().lower()
        if not text:
            return None
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class DateOrTimeField(forms.Field):
    """An ISO date or date-time (see ``parse_date_or_time``)."""

    default_error_messages = {
        "invalid": gettext_lazy("not an ISO date or date-time: %(value)s"),
    }

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, dt.datetime):
            return timezone.make_aware(value) if timezone.is_naive(value) else value
        if value in EMPTY_VALUES or not str(value).strip():
            return None
        try:
            return parse_date_or_time(value, end_of_day=self.end_of_day)
        except ValueError:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from None


class ChoicesListField(BaseCSVField):
    """``a,b``: each one of the field's choices; one message names every unknown value and the
    choices. Mixed by django-filter with the choice field of a ``CommaChoiceFilter``."""

    default_error_messages = {"unknown": gettext_lazy("Unknown %(values)s; use %(choices)s.")}

    def clean(self, value):
        if value is None:
            return None
        values = [part.strip() for part in value if part.strip()]
        unknown = sorted({part for part in values if not self.valid_value(part)})
        if unknown:
            raise ValidationError(
                self.error_messages["unknown"],
                code="invalid_choice",
                params={"values": ", ".join(unknown), "choices": ", ".join(self.choice_values())},
            )
        return values

    def choice_values(self) -> list[str]:
        return [str(key) for key, _label in self.choices if key not in EMPTY_VALUES]


# -- filters ------------------------------------------------------------------------------------


class IdFilter(django_filters.Filter):
    """An object by its id (``?rule=3``); not a whole number, or too big for an id: a 400."""

    field_class = WholeNumberField


class IdOrNameFilter(django_filters.CharFilter):
    """A related object by its id (digits that fit an id) or else by its name: ``?target=3`` or
    ``?target=shop``; a name matching nothing lists nothing."""

    def __init__(self, field_name=None, *, name_field: str = "name", **kwargs):
        self.name_field = name_field
        super().__init__(field_name, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return self.get_method(qs)(**id_or_name(self.field_name, value, self.name_field))


class CommaChoiceFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """One choice or several separated by commas (``?status=failed,cancelled``); an unknown one
    is a 400 naming it and the choices."""

    base_field_class = ChoicesListField


class TrueFalseFilter(django_filters.BooleanFilter):
    """``true`` or ``false``; another value is a 400, not a filter silently left out."""

    field_class = TrueFalseField


class DateOrTimeFilter(django_filters.CharFilter):
    """An ISO date or date-time; ``end_of_day=True`` makes a bare date cover that whole day (for
    "until" with ``lookup_expr="lt"``). Text in the schema: a date is as welcome as a date-time."""

    field_class = DateOrTimeField


# -- the command line ---------------------------------------------------------------------------


def add_filter_arguments(parser, filterset_class, *, exclude=(), positional=()) -> None:
    """One option per filter of ``filterset_class``: ``object_type`` becomes ``--object-type``
    (those named in ``positional`` an optional positional argument instead), with the filter's
    help text, the choices of a choice filter and true/false for a yes-or-no one. Values stay
    text: ``filter_from_arguments`` checks them exactly as the API does."""
    for name, filter_ in filterset_class.base_filters.items():
        if name in exclude:
            continue
        options = {"help": _help(filter_), **_value_options(name, filter_)}
        if name in positional:
            parser.add_argument(option_dest(name), nargs="?", **{"metavar": name, **options})
        else:
            parser.add_argument(option_flag(name), dest=option_dest(name), **options)


def option_flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def option_dest(name: str) -> str:
    return DEST_PREFIX + name


def _help(filter_) -> str:
    text = str(filter_.extra.get("help_text") or filter_.label or "")
    return text.replace("%", "%%")  # argparse formats help with %


def _value_options(name: str, filter_) -> dict:
    if isinstance(filter_, django_filters.BooleanFilter):
        return {"choices": ["true", "false"]}
    choices = [str(key) for key, _label in filter_.extra.get("choices") or ()]
    if isinstance(filter_, django_filters.BaseCSVFilter) and choices:
        metavar = name.upper()
        return {"metavar": f"{metavar}[,{metavar}…]", "help": _help_with_choices(filter_, choices)}
    if choices:
        return {"choices": choices}
    return {"metavar": name.upper()}


def _help_with_choices(filter_, choices: list[str]) -> str:
    return f"{_help(filter_)} ({', '.join(choices)})".strip()


def filter_options(args, filterset_class) -> dict:
    """``{filter name: value}`` of the options ``add_filter_arguments`` added (None when not
    given or not added)."""
    return {name: getattr(args, option_dest(name), None) for name in filterset_class.base_filters}


def filter_queryset(filterset_class, queryset, options: dict):
    """``queryset`` filtered by ``options`` (``{filter name: value}``; None is no filter) as the
    API filters it from query parameters. ValidationError naming each bad filter."""
    unknown = set(options) - set(filterset_class.base_filters)
    if unknown:
        raise TypeError(f"{filterset_class.__name__} has no filter {', '.join(sorted(unknown))}")
    data = QueryDict(mutable=True)
    for name, value in options.items():
        if value is not None:
            data[name] = query_text(value)
    filterset = filterset_class(data=data, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors.as_data())
    return filterset.qs


def filter_from_arguments(filterset_class, queryset, args, **options):
    """For a list command: ``queryset`` filtered by the options ``add_filter_arguments`` added
    (``options`` given here replace them); a bad value is a one-line usage error naming its
    option (exit 2)."""
    wanted = {**filter_options(args, filterset_class), **options}
    try:
        return filter_queryset(filterset_class, queryset, wanted)
    except ValidationError as exc:
        named = {option_flag(name): errors for name, errors in exc.error_dict.items()}
        raise validation_error(ValidationError(named)) from None


def query_text(value) -> str:
    """A value as it would come in a query string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return ",".join(query_text(item) for item in value)
    return str(value)
