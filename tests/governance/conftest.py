"""Fixtures of the governance tests."""

from tests.governance.privacy_helpers import (  # noqa: F401
    erp,
    planted,
    planted_sqlite_template,
    planted_url,
)
