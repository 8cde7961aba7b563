"""Test configuration. Fixtures live in tests/fixtures/, one module per area."""

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.personas",
    "tests.fixtures.tryton",
    "tests.fixtures.backups",
    "tests.fixtures.browser",
]
