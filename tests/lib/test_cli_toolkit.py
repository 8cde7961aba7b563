"""The CLI toolkit every app's commands share: a ValidationError reads as one line."""

from django.core.exceptions import ValidationError

from erpkeeper.lib.cli import EXIT_USAGE, validation_error, validation_text


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
