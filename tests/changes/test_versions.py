"""ERP version history: a target check records the ERP version and its modules, a snapshot
only when something changed, and the history says what was added, removed or upgraded."""

from __future__ import annotations

import sqlite3

from erpkeeper.changes.models import ReleaseNote, VersionSnapshot
from erpkeeper.changes.services.versions import module_changes, record_versions
from erpkeeper.targets import services as targets


def erp_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def test_a_check_of_the_demo_erp_records_its_version_once(db, tryton_sqlite_db):
    shop = targets.add_target(name="shop", database_url=tryton_sqlite_db)
    targets.check_target(shop)

    snapshot = VersionSnapshot.objects.get(target=shop)
    assert snapshot.erp_version == "8.2"
    assert {"ir", "res", "sale", "account"} <= set(snapshot.modules)
    assert snapshot.changes == []  # the first one is the baseline


def test_a_module_activated_and_a_series_upgrade_on_the_erp_are_recorded(
    db, tryton_sqlite_db, olga, console_client_for
):
    shop = targets.add_target(name="shop", database_url=tryton_sqlite_db)
    # What trytond-admin would leave behind: a new series and one more module activated.
    with sqlite3.connect(erp_path(tryton_sqlite_db)) as erp:
        erp.execute("UPDATE ir_configuration SET series = '8.4'")
        erp.execute("INSERT INTO ir_module (name, state) VALUES ('sale_history', 'activated')")
    targets.check_target(shop)
    targets.check_target(shop)

    newest = VersionSnapshot.objects.filter(target=shop).first()
    assert VersionSnapshot.objects.filter(target=shop).count() == 2
    assert newest.previous_erp_version == "8.2" and newest.erp_version == "8.4"
    kinds = {c["module"]: c["kind"] for c in newest.changes}
    assert kinds["sale_history"] == "added" and kinds["sale"] == "upgraded"
    ReleaseNote.objects.create(product="sale", version="8.4", known_issues="Slow quotations")

    page = console_client_for(olga).get(f"/changes/versions/{shop.pk}/")
    target_page = console_client_for(olga).get(f"/targets/target/{shop.pk}/change/")

    assert page.status_code == 200
    assert "sale_history" in page.text and "Slow quotations" in page.text
    assert 'data-testid="version-panel"' in target_page.text and "8.4" in target_page.text


def test_an_unchanged_erp_adds_no_snapshot(db, shop):
    facts = {"erp_version": "8.2", "modules": ["ir", "res", "sale"]}
    assert record_versions(shop, facts) is not None
    assert record_versions(shop, facts) is None


def test_versions_are_compared_as_versions_not_text():
    found = module_changes(
        {"sale": "8.2", "stock": "8.10", "party": "8.2"}, {"sale": "8.10", "stock": "8.2"}
    )
    assert found == [
        {"module": "party", "kind": "removed", "from": "8.2", "to": ""},
        {"module": "sale", "kind": "upgraded", "from": "8.2", "to": "8.10"},
        {"module": "stock", "kind": "downgraded", "from": "8.10", "to": "8.2"},
    ]
