"""Snapshots of a real Tryton ERP: stored once per content, compared with the previous one
(a gained group is reported and raises a notice), ERPKeeper's own login history, failures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from erpkeeper.core.housekeeping import prune_history
from erpkeeper.core.models import OutboxMessage
from erpkeeper.security import services
from erpkeeper.security.models import AccessDocument, AccessSnapshot, LoginSighting
from erpkeeper.targets.services import add_target
from tests.security.helpers import add_to_group, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(tryton_sqlite_db):
    return add_target(name="shop", database_url=tryton_sqlite_db)


def test_a_snapshot_counts_and_finds_the_conflicts(shop):
    snapshot = services.take_snapshot(shop)
    assert snapshot.status == "succeeded" and snapshot.finished is not None
    assert snapshot.users == 14 and snapshot.administrators == 1 and snapshot.roles == 4
    assert snapshot.conflicts and snapshot.summary["ruleset"] == "tryton-standard v1"
    document = snapshot.load()
    # logins and names only: no password, hash or key value ("password" may name a menu/field)
    assert {key for user in document["users"] for key in user} == {
        "id",
        "login",
        "name",
        "active",
        "admin",
        "created",
    }
    assert "$argon2" not in str(document)
    report = services.conflicts_report(snapshot, login="zhou.qiang")
    assert "P2P-02" in {c["risk"] for c in report["conflicts"]}


def test_an_unchanged_erp_shares_one_stored_document(shop):
    first = services.take_snapshot(shop)
    second = services.take_snapshot(shop)
    assert second.document_id == first.document_id and second.unchanged
    assert AccessDocument.objects.count() == 1
    assert second.changes == 0


def test_a_gained_group_between_two_snapshots_is_reported_and_notified(shop, tryton_sqlite_db):
    first = services.take_snapshot(shop)
    add_to_group(tryton_sqlite_db, "liu.yang", "Purchase")
    write(tryton_sqlite_db, "UPDATE res_user SET administrator = 1 WHERE login = 'ma.chao'")
    second = services.take_snapshot(shop)
    changes = services.diff_snapshots(first, second)
    by_login = {entry["login"]: entry["changes"] for entry in changes["users"]}
    gained = [c for c in by_login["liu.yang"] if c["kind"] == "group_gained"]
    assert gained[0]["group"] == "Purchase" and gained[0]["via"] == [{"direct": True}]
    assert services.change_text(gained[0]) == "gained Purchase directly"
    assert [c["kind"] for c in by_login["ma.chao"]] == ["new_administrator"]
    assert second.changes == 2
    notice = OutboxMessage.objects.get(source="security")
    assert "liu.yang: gained Purchase" in notice.body and "ma.chao" in notice.body


def test_a_group_gained_through_a_role_names_the_role(shop, tryton_sqlite_db):
    first = services.take_snapshot(shop)
    write(
        tryton_sqlite_db,
        (
            'INSERT INTO res_user_role ("user", role, create_date, create_uid) '
            "SELECT u.id, r.id, '2026-01-01', 0 FROM res_user u, res_role r "
            "WHERE u.login = 'li.na' AND r.name = 'Accountant'"
        ),
    )
    second = services.take_snapshot(shop)
    changes = services.diff_snapshots(first, second)
    (entry,) = [e for e in changes["users"] if e["login"] == "li.na"]
    assert {
        "kind": "group_gained",
        "important": True,
        "group": "Accounting",
        "via": [{"role": "Accountant"}],
    } in entry["changes"]


def test_an_unreachable_target_gives_a_failed_row_and_a_clear_error(shop, tmp_path):
    shop.set_database_url(f"sqlite:///{tmp_path}/gone.sqlite")
    shop.save()
    with pytest.raises(services.SnapshotFailed) as caught:
        services.take_snapshot(shop)
    row = AccessSnapshot.objects.get()
    assert row.status == "failed" and row.document is None
    assert str(caught.value) == row.error and "gone.sqlite" in row.error
    with pytest.raises(services.SnapshotMissing):
        services.latest_snapshot(shop)


def test_last_login_outlives_trytons_sessions(shop, tryton_sqlite_db):
    services.take_snapshot(shop)
    remembered = services.last_logins(shop)
    assert remembered["zhang.wei"]
    write(tryton_sqlite_db, "DELETE FROM ir_session")  # Tryton forgets after 30 days
    services.take_snapshot(shop)
    assert services.last_logins(shop) == remembered
    assert LoginSighting.objects.filter(target=shop, login="zhang.wei").exists()


def test_housekeeping_keeps_the_latest_snapshot_of_each_target(shop, settings):
    old = services.take_snapshot(shop)
    newer = services.take_snapshot(shop)
    long_ago = timezone.now() - dt.timedelta(days=400)
    AccessSnapshot.objects.filter(pk__in=[old.pk, newer.pk]).update(started=long_ago)
    AccessSnapshot.objects.filter(pk=newer.pk).update(started=long_ago + dt.timedelta(hours=1))
    AccessDocument.objects.update(created=long_ago)
    counts = prune_history(days=30)
    assert counts["security_snapshots"] == 1
    assert list(AccessSnapshot.objects.values_list("pk", flat=True)) == [newer.pk]
    assert AccessDocument.objects.count() == 1  # still used by the kept snapshot
