"""Fixtures of the privacy tests: a demo ERP copy with personal data planted through Tryton
(planted once per session, copied per test) and a target pointing at it."""

from __future__ import annotations

import shutil

import pytest

from erpkeeper.targets import services as targets
from tests.fixtures.planted_pii import Planted, plant_personal_data

PEOPLE = 8


@pytest.fixture(scope="session")
def planted_sqlite_template(tryton_sqlite_template, tmp_path_factory):
    """(path, Planted): the small demo with PEOPLE people and PEOPLE companies added."""
    folder = tmp_path_factory.mktemp("planted")
    path = folder / "planted.sqlite"
    shutil.copyfile(tryton_sqlite_template, path)
    planted = plant_personal_data(f"sqlite:///{path}", PEOPLE)
    return path, planted


@pytest.fixture
def planted_url(planted_sqlite_template, tmp_path) -> tuple[str, Planted]:
    source, planted = planted_sqlite_template
    copy = tmp_path / "erp.sqlite"
    shutil.copyfile(source, copy)
    return f"sqlite:///{copy}", planted


@pytest.fixture
def erp(db, planted_url):
    url, _planted = planted_url
    return targets.add_target(name="erp", database_url=url, verify=False)


@pytest.fixture
def planted(planted_url) -> Planted:
    return planted_url[1]


def found_categories(scan) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for finding in scan.findings.all():
        found.setdefault((finding.table, finding.column), set()).add(finding.category)
    return found
