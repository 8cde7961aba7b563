"""On PostgreSQL, writers in separate processes append to one unbroken chain."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
CHANGES_PER_WRITER = 60

WRITER = """
import sys, time
import django
django.setup()
from django.contrib.auth.models import Group
from django.db import transaction
from erpkeeper.core import audit

name, start, count = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
while time.time() < start:
    time.sleep(0.005)
with audit.audit_context(actor_name=f"system:{name}", source="job"):
    for i in range(count):
        if i % 2:  # two changes in one transaction
            with transaction.atomic():
                group = Group.objects.create(name=f"{name}-{i}")
                group.name += "-renamed"
                group.save()
        else:  # one change in autocommit mode
            Group.objects.create(name=f"{name}-{i}")
"""

CHECKER = """
import json
import django
django.setup()
from erpkeeper.core import audit
from erpkeeper.core.models import AuditEntry

result = audit.verify()
rows = list(AuditEntry.objects.order_by("sequence").values_list("sequence", "actor_name"))
actors = [actor for _seq, actor in rows if actor.startswith("system:writer")]
print(json.dumps({
    "ok": result.ok,
    "checked": result.checked,
    "problems": [p.message for p in result.problems],
    "sequences": [seq for seq, _actor in rows],
    "per_writer": {a: actors.count(a) for a in set(actors)},
    "switches": sum(1 for x, y in zip(actors, actors[1:]) if x != y),
}))
"""


def run_python(code, env, *args, timeout=60):
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_two_processes_writing_at_once_keep_one_unbroken_chain(postgres_database, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "erpkeeper.settings",
        "ERPKEEPER_DATABASE_URL": postgres_database,
        "ERPKEEPER_HOME": str(tmp_path),
        "ERPKEEPER_TESTING": "true",
        "PYTHONPATH": str(ROOT),
    }
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr

    start = str(time.time() + 3)  # both begin together, after their Django setup
    count = str(CHANGES_PER_WRITER)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, name, start, count],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("writer1", "writer2")
    ]
    for writer in writers:
        _out, err = writer.communicate(timeout=90)
        assert writer.returncode == 0, err

    checked = run_python(CHECKER, env)
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["ok"], report["problems"]
    assert report["sequences"] == list(range(1, report["checked"] + 1))
    expected = CHANGES_PER_WRITER // 2 * 3  # 1 entry (autocommit) + 2 entries (transaction)
    assert report["per_writer"] == {"system:writer1": expected, "system:writer2": expected}
    assert report["switches"] > 1, "the writers did not run concurrently"
