import pytest

from erpkeeper.core.logging import redact
from erpkeeper.lib import dburl


def test_password_is_masked_but_user_host_and_database_stay_visible():
    url = "postgresql://erp:s3cr%40t@db.example.com:5432/tryton"
    assert dburl.mask(url) == "postgresql://erp:********@db.example.com:5432/tryton"
    parsed = dburl.parse(url)
    assert parsed.password == "s3cr@t"
    assert "s3cr" not in parsed.masked()


def test_sqlite_paths_and_urls_normalise_to_one_absolute_form(tmp_path):
    path = tmp_path / "erp.sqlite"
    for text in (str(path), f"sqlite://{path}", f"sqlite:///{path}"):
        assert dburl.parse(text).unparse() == f"sqlite://{path}"


@pytest.mark.parametrize(
    "url, reason",
    [
        ("", "empty"),
        ("oracle://x@y/z", "unsupported database scheme"),
        ("postgresql://user@host:99999/db", "not a valid URL"),
        ("postgresql://user@host:5432/", "names no database"),
        ("just words", "not a database URL"),
    ],
)
def test_unusable_urls_are_rejected_with_a_reason(url, reason):
    with pytest.raises(dburl.DatabaseUrlError, match=reason):
        dburl.parse(url)


def test_log_filter_removes_passwords_from_any_message():
    assert redact("connect postgresql://u:hunter2@h/db failed") == (
        "connect postgresql://u:********@h/db failed"
    )
