"""Test configuration. Fixtures live in tests/fixtures/, one module per area."""

import pytest

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.dovecot",
    "tests.fixtures.personas",
    "tests.fixtures.tryton",
    "tests.fixtures.backups",
    "tests.fixtures.browser",
    "tests.fixtures.monitoring",
    "tests.fixtures.alerts",
]


@pytest.fixture(autouse=True)
def _fresh_series_cache():
    """Ingest caches series ids per process; a test's rolled-back series must not reach the
    next test in the same worker (SQLite checks foreign keys only at commit)."""
    from erpkeeper.monitoring.tsdb.ingest import forget_series_ids

    forget_series_ids()


@pytest.fixture(autouse=True)
def _empty_django_cache():
    """Summaries cached by target id (the capacity verdict) must not outlive the test whose
    rolled-back rows they describe: the next test's target may get the same id."""
    from django.core.cache import cache

    cache.clear()
