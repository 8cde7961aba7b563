"""The audit list as people read it: the time on one line, a count with its noun."""

import re

import pytest
from django.apps import apps
from django.urls import reverse

from erpkeeper.targets import services as targets

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_entries(alice, tmp_path):
    for name in ("shop", "warehouse"):
        targets.add_target(
            name=name, database_url=f"sqlite:///{tmp_path / name}.sqlite", verify=False
        )


def test_the_time_column_stays_on_one_line(sam, some_entries, console_client_for):
    page = console_client_for(sam).get(reverse("admin:core_auditentry_changelist"))
    html = page.content.decode()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
    times = re.findall(rf'<span class="whitespace-nowrap">({stamp})</span>', html)
    assert len(times) >= 2


def test_the_count_line_names_entries(sam, some_entries, console_client_for):
    html = console_client_for(sam).get(reverse("admin:core_auditentry_changelist")).content
    text = " ".join(html.decode().split())
    assert re.search(r"\d+ audit trail entries", text), "the count line lacks its noun"


def test_every_model_has_a_countable_plural():
    """A plural names what is counted, not the collection ("63 audit trail" read wrong)."""
    collections = {"trail", "history", "log", "list", "set", "catalog"}
    wrong = [
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith("erpkeeper.")
        and str(model._meta.verbose_name_plural).split()[-1] in collections
    ]
    assert wrong == []
