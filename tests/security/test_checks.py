"""Security checks against real databases: the local PostgreSQL (trust authentication, no
TLS: those findings must fire), MariaDB, and SQLite files whose modes are changed; the score
per run, findings fixed by a later run, an alert for a critical one, unreachable targets."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import psycopg
import pytest
from django.utils import timezone

from erpkeeper.cli import main
from erpkeeper.core.models import OutboxMessage
from erpkeeper.security import services
from erpkeeper.security.models import Finding, SecurityCheckRun
from erpkeeper.targets.services import add_target
from tests.security.helpers import db_path

pytestmark = pytest.mark.django_db


def _by_id(run) -> dict[str, dict]:
    return {result["id"]: result for result in run.results}


def test_postgresql_with_trust_and_no_tls_fails_those_checks(postgres_database):
    target = add_target(name="pg", database_url=postgres_database, verify=False)
    run = services.run_checks(target)
    results = _by_id(run)
    assert run.status == "succeeded"
    assert results["PG-SSL"]["status"] == "fail"
    assert results["PG-HBA"]["status"] == "fail" and "trust" in results["PG-HBA"]["detail"]
    assert results["PG-VERSION"]["status"] == "pass"
    assert results["TRYTON-ADMIN"]["status"] == "unknown"  # an empty database: no res_user
    assert run.score == 100 - sum(
        {"low": 2, "medium": 5, "high": 10, "critical": 20}[r["severity"]]
        for r in run.results
        if r["status"] == "fail"
    )
    finding = Finding.objects.get(target=target, check_id="PG-HBA")
    assert finding.state == "open" and finding.severity == "critical"
    alert = OutboxMessage.objects.get(source="security")
    assert "PG-HBA" in alert.subject and alert.state != "resolved"
    until = timezone.localdate() + dt.timedelta(days=30)
    services.accept_finding(finding, reason="test machine", expires=until, by="sam")
    services.run_checks(target)
    alert.refresh_from_db()
    assert alert.state == "resolved"  # accepted: no longer alerting


def test_sqlite_file_modes(tryton_sqlite_db):
    target = add_target(name="shop", database_url=tryton_sqlite_db)
    path = db_path(tryton_sqlite_db)
    os.chmod(os.path.dirname(path), 0o700)
    os.chmod(path, 0o644)
    first = services.run_checks(target)
    assert _by_id(first)["SQLITE-FILE-MODE"]["status"] == "fail"
    assert "0644" in _by_id(first)["SQLITE-FILE-MODE"]["detail"]
    assert _by_id(first)["SQLITE-FOLDER-MODE"]["status"] == "pass"
    assert _by_id(first)["TRYTON-ADMIN"]["status"] == "fail"  # the demo's admin as installed
    os.chmod(path, 0o600)
    second = services.run_checks(target)
    assert _by_id(second)["SQLITE-FILE-MODE"]["status"] == "pass"
    assert Finding.objects.get(check_id="SQLITE-FILE-MODE").state == "fixed"
    assert services.score_change(second) == 10


def test_mariadb_accounts_and_local_infile(mariadb_database):
    target = add_target(name="maria", database_url=mariadb_database, verify=False)
    run = services.run_checks(target)
    results = _by_id(run)
    assert set(results) >= {
        "MY-ANONYMOUS",
        "MY-ROOT-REMOTE",
        "MY-EMPTY-PASSWORD",
        "MY-LOCAL-INFILE",
    }
    # the test server's root has no password (tests/fixtures/services.py)
    assert results["MY-EMPTY-PASSWORD"]["status"] == "fail"
    assert "root" in results["MY-EMPTY-PASSWORD"]["detail"]


def test_an_unreachable_target_gives_a_failed_run(tmp_path, tryton_sqlite_db):
    copy = tmp_path / "gone.sqlite"
    shutil.copyfile(db_path(tryton_sqlite_db), copy)
    target = add_target(name="gone", database_url=f"sqlite:///{copy}")
    copy.unlink()
    with pytest.raises(services.ChecksFailed, match="does not exist"):
        services.run_checks(target)
    run = SecurityCheckRun.objects.get(target=target)
    assert run.status == "failed" and "does not exist" in run.error


def test_tryton_on_postgresql_admin_check_and_a_departed_employee(tryton_postgres_db):
    target = add_target(name="pgshop", database_url=tryton_postgres_db)
    run = services.run_checks(target)
    assert _by_id(run)["TRYTON-ADMIN"]["status"] == "fail"
    with psycopg.connect(tryton_postgres_db, autocommit=True) as conn:
        conn.execute(
            "UPDATE company_employee SET end_date = '2026-01-31' "
            "WHERE id = (SELECT employee FROM res_user WHERE login = 'wang.fang')"
        )
        conn.execute("UPDATE res_user SET write_date = now() WHERE login = 'admin'")
    services.take_snapshot(target)
    assert Finding.objects.filter(target=target, kind="employee_left", subject="wang.fang").exists()
    assert _by_id(services.run_checks(target))["TRYTON-ADMIN"]["status"] == "pass"
    assert Finding.objects.get(target=target, check_id="TRYTON-ADMIN").state == "fixed"


TRYTOND_CONF = """[database]
uri = postgresql://tryton:secret@db:5432/

[password]
length = 6

[session]
timeout = 300
"""


def test_trytond_conf_only_when_configured_and_readable(capsys, tryton_sqlite_db, tmp_path):
    target = add_target(name="shop", database_url=tryton_sqlite_db)
    assert "TRYTON-PASSWORD-LENGTH" not in _by_id(services.run_checks(target))
    conf = tmp_path / "trytond.conf"
    conf.write_text(TRYTOND_CONF, encoding="utf-8")
    conf.chmod(0o644)
    assert main(["security", "config-file", "shop", str(conf)]) == 0
    results = _by_id(services.run_checks(target))
    assert results["TRYTON-PASSWORD-LENGTH"]["status"] == "fail"
    assert results["TRYTON-PASSWORD-LENGTH"]["detail"] == "[password] length = 6"
    assert results["TRYTON-PASSWORD-FORBIDDEN"]["status"] == "fail"
    assert results["TRYTON-SESSION-TIMEOUT"]["status"] == "pass"
    assert results["TRYTON-CONFIG-MODE"]["status"] == "fail"
    conf.unlink()  # gone (the tests run as root, who reads any mode)
    results = _by_id(services.run_checks(target))
    assert results["TRYTON-PASSWORD-LENGTH"]["status"] == "unknown"
    assert "cannot read" in results["TRYTON-PASSWORD-LENGTH"]["detail"]
    # unknown keeps the earlier finding open rather than calling it fixed
    assert Finding.objects.get(check_id="TRYTON-PASSWORD-LENGTH").state == "open"
