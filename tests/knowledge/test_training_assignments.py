"""Assigning courses: by the ERP's own groups (read from a real Tryton ERP's access snapshot,
ERP users mapped to platform accounts by login or e-mail), by platform role, by user; due
dates and the reminders before and after them, each sent once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from erpkeeper.accounts import services as accounts
from erpkeeper.cli import main
from erpkeeper.core.models import OutboxMessage
from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import AssignmentKind, CourseAssignment, Enrolment
from erpkeeper.lib.roles import Role
from erpkeeper.targets.services import add_target
from tests.fixtures.personas import make_persona

pytestmark = pytest.mark.django_db


def test_everyone_in_the_erp_accounting_group_with_an_account_takes_the_course(
    course, shop, accountants, mark
):
    sun, zhao = accountants
    assignment, result = services.assign_course(
        course, kind=AssignmentKind.ERP_GROUP, target=shop, erp_group="Accounting", actor=mark
    )
    learners = set(course.enrolments.values_list("user__username", flat=True))
    assert learners == {"sun.li", "zhaomin"}
    assert result.added == 2
    assert "zhou.qiang" in result.not_mapped and "sun.li" not in result.not_mapped
    assert assignment.not_mapped == result.not_mapped
    assert set(course.enrolments.values_list("erp_group", flat=True)) == {"Accounting"}


def test_an_unknown_erp_group_or_a_missing_snapshot_is_refused_with_a_reason(
    course, shop, tryton_sqlite_db
):
    with pytest.raises(ValidationError, match="no group Acounting"):
        services.assign_course(
            course, kind=AssignmentKind.ERP_GROUP, target=shop, erp_group="Acounting"
        )
    fresh = add_target(name="fresh", database_url=tryton_sqlite_db)
    with pytest.raises(ValidationError, match="no access snapshot"):
        services.assign_course(
            course, kind=AssignmentKind.ERP_GROUP, target=fresh, erp_group="Accounting"
        )
    assert not CourseAssignment.objects.exists() and not Enrolment.objects.exists()


def test_a_role_assignment_enrols_the_role_and_later_holders_join_daily(course, helen, mark):
    services.assign_course(course, kind=AssignmentKind.ROLE, role=Role.HELPDESK_AGENT)
    assert list(course.enrolments.values_list("user__username", flat=True)) == ["helen"]
    olga = make_persona("olga")
    accounts.set_role(olga, Role.HELPDESK_AGENT)
    assert services.sync_all_assignments() == 1
    assert course.enrolments.filter(user=olga).exists()


def test_a_draft_course_cannot_be_assigned(course, victor):
    course.state = "draft"
    course.save()
    with pytest.raises(ValidationError, match="published"):
        services.assign_course(course, kind=AssignmentKind.USER, user=victor)


def test_the_earlier_due_date_wins_and_progress_is_kept(course, victor):
    soon = timezone.localdate() + dt.timedelta(days=5)
    services.assign_course(course, kind=AssignmentKind.USER, user=victor, due_date=soon)
    services.assign_course(
        course, kind=AssignmentKind.USER, user=victor, due_date=soon + dt.timedelta(days=9)
    )
    assert Enrolment.objects.get(user=victor).due_date == soon


def test_reminders_go_out_once_before_the_due_date_and_once_when_overdue(course, victor):
    today = timezone.localdate()
    services.assign_course(
        course, kind=AssignmentKind.USER, user=victor, due_date=today + dt.timedelta(days=2)
    )
    assert services.send_reminders(today) == {"reminders": 1, "overdue": 0}
    assert services.send_reminders(today) == {"reminders": 0, "overdue": 0}
    notice = OutboxMessage.objects.get(event__startswith="training_due")
    assert "victor" in notice.subject and "Posting supplier invoices" in notice.subject
    later = today + dt.timedelta(days=3)
    assert services.send_reminders(later) == {"reminders": 0, "overdue": 1}
    assert services.send_reminders(later) == {"reminders": 0, "overdue": 0}
    late = OutboxMessage.objects.get(event__startswith="training_overdue")
    assert late.severity == OutboxMessage.Severity.WARNING


def test_the_cli_assigns_by_erp_group_and_shows_progress(course, shop, accountants, capsys, mark):
    code = main(
        ["--as", "mark", "course", "assign", str(course.pk), "--erp", "shop", "--group",
         "Accounting", "--due", "2027-01-31"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "2 learners" in out and "not mapped" in out and "zhou.qiang" in out
    assert main(["course", "progress", course.title]) == 0
    out = capsys.readouterr().out
    assert "sun.li" in out and "Accounting" in out and "2027-01-31" in out


def test_the_cli_says_why_it_cannot_assign(course, helen, capsys):
    assert main(["course", "assign", "9999", "--role", "DBA"]) == 3
    assert main(["course", "assign", str(course.pk), "--role", "Cook"]) == 2
    assert main(["course", "assign", str(course.pk), "--erp", "nowhere"]) == 2
    assert main(["--as", "helen", "course", "assign", str(course.pk), "--role", "DBA"]) == 2
    assert "may not" in capsys.readouterr().err


def test_the_daily_run_enrols_and_reminds_from_the_cli(course, victor, capsys):
    due = timezone.localdate() + dt.timedelta(days=1)
    services.assign_course(course, kind=AssignmentKind.USER, user=victor, due_date=due)
    assert main(["course", "daily"]) == 0
    assert "1 reminders" in capsys.readouterr().out
    assert main(["--as", "victor", "course", "daily"]) == 2
