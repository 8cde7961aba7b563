"""The CLI toolkit every app's commands share: a ValidationError reads as one line, a missing
object is named with exit code 3, subcommands of one shape are declared once."""

import argparse

import pytest
from django.core.exceptions import ValidationError

from erpkeeper.core.models import Job
from erpkeeper.lib.cli import (
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    CommandError,
    add_actions,
    find_one,
    validation_error,
    validation_text,
)
from erpkeeper.targets.models import Target


def test_field_errors_name_their_field_and_errors_of_no_field_stand_alone():
    exc = ValidationError(
        {"name": ["This field is required."], "__all__": ["The window overlaps another."]}
    )
    text = validation_text(exc)
    assert "name: This field is required." in text
    assert "The window overlaps another." in text and "__all__" not in text
    assert "\n" not in text


def test_a_plain_validation_error_is_its_messages_and_a_usage_error():
    error = validation_error(ValidationError(["Too long.", "Not text."]))
    assert str(error) == "Too long. Not text." and error.exit_code == EXIT_USAGE


@pytest.mark.django_db
def test_find_one_names_what_was_not_found_with_exit_code_3():
    with pytest.raises(CommandError) as by_id:
        find_one(Job.objects, "job", pk=424242)
    assert str(by_id.value) == "no job with id 424242" and by_id.value.exit_code == EXIT_NOT_FOUND
    with pytest.raises(CommandError) as by_name:
        find_one(Target.objects, "target", name="nowhere")
    assert str(by_name.value) == "no target named 'nowhere'"


def test_add_actions_gives_each_subcommand_the_same_argument():
    parser = argparse.ArgumentParser()
    actions = parser.add_subparsers(dest="action")
    add_actions(actions, (("show", "show it", print), ("drop", "drop it", len)), "id", type=int)
    args = parser.parse_args(["drop", "7"])
    assert args.id == 7 and args.handler is len
