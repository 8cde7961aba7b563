"""The list filter toolkit: a FilterSet gives the CLI its options and checks values as the API
does; the shared filters refuse bad values with a message naming what to give."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_filters import CharFilter, ChoiceFilter, FilterSet

from erpkeeper.lib.cli import EXIT_USAGE, ArgumentParser, CommandError
from erpkeeper.lib.filters import (
    CommaChoiceFilter,
    DateOrTimeFilter,
    IdFilter,
    IdOrNameFilter,
    TrueFalseFilter,
    add_filter_arguments,
    filter_from_arguments,
    filter_queryset,
    parse_date_or_time,
)

User = get_user_model()


class UserFilterSet(FilterSet):
    """A list of users filtered the ways the apps' lists are."""

    username = CharFilter(help_text="exact user name, 100% of it")
    kind = ChoiceFilter(
        field_name="first_name", choices=[("staff", "Staff"), ("guest", "Guest")], help_text="kind"
    )
    last_name = CommaChoiceFilter(
        field_name="last_name",
        choices=[("red", "Red"), ("green", "Green"), ("blue", "Blue")],
        help_text="colours",
    )
    active = TrueFalseFilter(field_name="is_active", help_text="true: active users")
    group = IdOrNameFilter(field_name="groups", help_text="a group's id or name")
    number = IdFilter(field_name="pk", help_text="the user's id")
    joined_until = DateOrTimeFilter(
        field_name="date_joined", lookup_expr="lt", end_of_day=True, help_text="ISO date"
    )


def parser_for(**options) -> ArgumentParser:
    parser = ArgumentParser(prog="users")
    add_filter_arguments(parser, UserFilterSet, **options)
    parser.add_argument("--limit", type=int, default=10)
    return parser


def option(parser, flag: str):
    return next(action for action in parser._actions if flag in action.option_strings)


def test_options_choices_and_help_come_from_the_filterset():
    parser = parser_for()
    assert {flag for action in parser._actions for flag in action.option_strings} >= {
        "--username",
        "--kind",
        "--last-name",
        "--active",
        "--group",
        "--number",
        "--joined-until",
    }
    assert option(parser, "--kind").choices == ["staff", "guest"]
    assert option(parser, "--active").choices == ["true", "false"]
    assert option(parser, "--last-name").choices is None  # a comma list: checked by the filter
    assert "red, green, blue" in option(parser, "--last-name").help
    assert option(parser, "--group").help == "a group's id or name"
    assert "100%" in parser.format_help()  # a % in a help text does not break argparse
    args = parser.parse_args(["--last-name", "red,blue", "--kind", "staff", "--limit", "3"])
    assert args.limit == 3


def test_a_filter_can_be_left_out_or_be_a_positional_argument():
    parser = parser_for(exclude=("number",), positional=("group",))
    flags = {flag for action in parser._actions for flag in action.option_strings}
    assert "--number" not in flags and "--group" not in flags
    assert parser.parse_args(["admins"]).filter_group == "admins"
    assert parser.parse_args([]).filter_group is None


def test_a_choice_outside_the_filterset_is_a_usage_error():
    with pytest.raises(CommandError) as caught:
        parser_for().parse_args(["--kind", "boss"])
    assert caught.value.exit_code == EXIT_USAGE


@pytest.mark.django_db
def test_the_options_filter_as_the_api_would():
    ann = User.objects.create_user("ann", first_name="staff", last_name="red")
    bob = User.objects.create_user("bob", first_name="guest", last_name="blue", is_active=False)
    cy = User.objects.create_user("cy", first_name="guest", last_name="green")
    users = User.objects.order_by("username")
    assert list(filter_queryset(UserFilterSet, users, {"last_name": "red,blue"})) == [ann, bob]
    assert list(filter_queryset(UserFilterSet, users, {"active": False})) == [bob]
    assert list(filter_queryset(UserFilterSet, users, {"number": ann.pk, "kind": None})) == [ann]
    args = parser_for().parse_args(["--kind", "guest", "--active", "false"])
    assert list(filter_from_arguments(UserFilterSet, users, args)) == [bob]
    assert list(filter_from_arguments(UserFilterSet, users, args, active=None)) == [bob, cy]


@pytest.mark.django_db
def test_an_id_or_a_name_and_a_number_too_big_for_an_id_is_a_name():
    group = Group.objects.create(name="admins")
    ann = User.objects.create_user("ann")
    ann.groups.add(group)
    for value in (str(group.pk), "admins"):
        assert list(filter_queryset(UserFilterSet, User.objects.all(), {"group": value})) == [ann]
    huge = "99999999999999999999"
    assert not filter_queryset(UserFilterSet, User.objects.all(), {"group": huge}).exists()


@pytest.mark.parametrize(
    ("options", "errors"),
    [
        (
            {"last_name": "red,pink,grey"},
            {"last_name": ["Unknown grey, pink; use red, green, blue."]},
        ),
        ({"active": "maybe"}, {"active": ["Give true or false."]}),
        ({"number": "x"}, {"number": ["Give a whole number."]}),
        (
            {"number": "99999999999999999999"},
            {"number": ["Give a number from 0 to 9223372036854775807."]},
        ),
        (
            {"joined_until": "yesterday"},
            {"joined_until": ["not an ISO date or date-time: yesterday"]},
        ),
    ],
)
def test_a_bad_value_is_a_validation_error_naming_the_filter(options, errors):
    with pytest.raises(ValidationError) as caught:
        filter_queryset(UserFilterSet, User.objects.all(), options)
    assert caught.value.message_dict == errors


def test_on_the_command_line_a_bad_value_is_one_line_naming_its_option():
    args = parser_for().parse_args(["--last-name", "pink", "--number", "x"])
    with pytest.raises(CommandError) as caught:
        filter_from_arguments(UserFilterSet, User.objects.all(), args)
    assert caught.value.exit_code == EXIT_USAGE
    assert str(caught.value) == (
        "--last-name: Unknown pink; use red, green, blue.; --number: Give a whole number."
    )


def test_an_unknown_filter_name_is_a_programming_error():
    with pytest.raises(TypeError, match="colour"):
        filter_queryset(UserFilterSet, User.objects.all(), {"colour": "red"})


def test_a_bare_date_as_an_end_covers_that_whole_day():
    start = parse_date_or_time("2026-03-01")
    end = parse_date_or_time("2026-03-01", end_of_day=True)
    assert timezone.localtime(start).date() == dt.date(2026, 3, 1)
    assert end - start == dt.timedelta(days=1)
    moment = parse_date_or_time("2026-03-01T10:30:00+00:00", end_of_day=True)
    assert moment == dt.datetime(2026, 3, 1, 10, 30, tzinfo=dt.UTC)
    with pytest.raises(ValueError):
        parse_date_or_time("2026-13-01")
