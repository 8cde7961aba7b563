"""The demo's training: two courses from demo articles, the English one assigned to the demo
ERP's Accounting group (its snapshot taken when missing); a second run makes nothing."""

from __future__ import annotations

import pytest

from erpkeeper.cli.up import ensure_demo_training
from erpkeeper.demo.training import ensure_demo_training as build
from erpkeeper.knowledge.models import Course, CourseAssignment, Enrolment
from erpkeeper.security.models import AccessSnapshot
from erpkeeper.targets.services import add_target

pytestmark = pytest.mark.django_db


def test_the_demo_assigns_a_course_to_the_erp_accounting_group_once(tryton_sqlite_db, capsys):
    add_target(name="demo-tryton", database_url=tryton_sqlite_db)
    ensure_demo_training()
    assert "2 courses, 2 learners" in capsys.readouterr().out
    assert Course.objects.filter(state="published").count() == 2
    assignment = CourseAssignment.objects.get()
    assert (assignment.erp_group, assignment.not_mapped) == ("Accounting", ["zhou.qiang"])
    assert set(Enrolment.objects.values_list("user__username", flat=True)) == {"sun.li", "zhaomin"}
    assert AccessSnapshot.objects.count() == 1
    assert build() == {"courses": 0, "learners": 0, "not_mapped": 0}
    assert CourseAssignment.objects.count() == 1 and Course.objects.count() == 2


def test_without_the_demo_erp_the_courses_are_made_unassigned(db):
    assert build()["courses"] == 2
    assert not CourseAssignment.objects.exists()
