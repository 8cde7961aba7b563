"""What the changes tests share: targets with a Saturday-night maintenance window, the next
opening of that window, and a change that is complete enough to submit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from erpkeeper.changes import services
from erpkeeper.targets import services as targets
from erpkeeper.targets.windows import next_start, parse_window

WINDOW = "sat 22:00 4h Asia/Shanghai"
ANSWERS = {
    "users": "some",
    "downtime": "short",
    "data": "config",
    "tested": "yes",
    "backout": "easy",
}


def add(name: str, tmp_path, windows=(WINDOW,)):
    path = tmp_path / f"{name}.sqlite"
    path.touch()
    return targets.add_target(
        name=name, database_url=f"sqlite:///{path}", windows=list(windows), verify=False
    )


@pytest.fixture
def shop(db, tmp_path):
    return add("shop", tmp_path)


@pytest.fixture
def books(db, tmp_path):
    return add("books", tmp_path)


def window_opening(after=None) -> dt.datetime:
    """The next time the Saturday window opens (a week later if it opens within the hour)."""
    now = after or timezone.now()
    return next_start(parse_window(WINDOW), now + dt.timedelta(hours=1))


def new_change(requester, targets_, **fields):
    values = {
        "title": "Activate sale_history",
        "backout_plan": "Deactivate the module again.",
        "implementation_plan": "trytond-admin -u sale_history --activate-dependencies",
        "risk_answers": ANSWERS,
        **fields,
    }
    return services.create_change(requester=requester, targets=targets_, **values)


@pytest.fixture
def submitted(olga, mark, shop):
    change = new_change(olga, [shop], checklist=["Announce downtime", "Run the update"])
    return services.submit(change, olga)


@pytest.fixture
def approved(submitted, mark):
    return services.decide(submitted, mark, "approve", "fine")
