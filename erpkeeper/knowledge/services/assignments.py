"""Who must take a course: assignments by platform role, by named user or by the ERP's own
groups, the learners they bring (enrolments), and the reminders before and after the due date.

ERP groups are read from the target's latest access snapshot (the security app's reading of
the ERP, never the ERP itself). An ERP user becomes a learner through the platform account
that matches it (``platform_users_for_logins``): the ERP login equals the platform user name,
else the platform e-mail address, else the e-mail's part before "@" (case-insensitive), and
only one active account matches. ERP users without such an account are kept on the assignment
as "not mapped" (the snapshot holds no ERP e-mail addresses, so only the login is compared).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.core import outbox
from erpkeeper.core.models import OutboxMessage
from erpkeeper.knowledge.models import (
    AssignmentKind,
    CourseAssignment,
    CourseState,
    Enrolment,
)
from erpkeeper.lib.roles import Role
from erpkeeper.security.evaluation import AccessModel
from erpkeeper.security.services import SnapshotMissing, latest_snapshot

# A reminder goes out this many days before the due date (once), and a notice once overdue.
REMIND_DAYS_BEFORE = 3
OUTBOX_SOURCE = "knowledge"


@dataclass
class SyncResult:
    learners: int = 0
    added: int = 0
    not_mapped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ErpMember:
    login: str
    name: str


def erp_group_members(target, group: str) -> list[ErpMember]:
    """The active ERP users in ``group`` (its name, XML id or id) per the latest snapshot,
    through roles and group inheritance as the security app evaluates them."""
    try:
        snapshot = latest_snapshot(target)
    except SnapshotMissing as exc:
        raise ValidationError({"erp_group": str(exc)}) from None
    access = AccessModel(snapshot.load())
    group_id = access.find_group(group)
    if group_id is None:
        raise ValidationError(
            {
                "erp_group": _("%(target)s has no group %(group)s")
                % {"target": target, "group": group}
            }
        )
    members = [
        ErpMember(user["login"], user.get("name") or "")
        for uid, user in access.users.items()
        if user.get("active", True) and group_id in access.user_holder(uid).groups
    ]
    return sorted(members, key=lambda member: member.login)


def platform_users_for_logins(logins: list[str]) -> dict[str, object]:
    """ERP login -> the active platform account it belongs to, tried in this order: the user
    name equals the login, the e-mail address equals it (ERPs whose logins are addresses), the
    e-mail address's part before "@" equals it (sun.li -> sun.li@huaxin.example). All
    case-insensitive; a step that matches several accounts maps nobody (never a guess)."""
    users = get_user_model().objects.filter(is_active=True)
    found: dict[str, object] = {}
    for login in logins:
        for lookup in (
            Q(username__iexact=login),
            Q(email__iexact=login),
            Q(email__istartswith=f"{login}@"),
        ):
            matches = list(users.filter(lookup)[:2])
            if len(matches) == 1:
                found[login] = matches[0]
                break
            if matches:
                break  # ambiguous: not mapped
    return found


@transaction.atomic
def assign_course(
    course,
    *,
    kind: str,
    role: str = "",
    user=None,
    target=None,
    erp_group: str = "",
    due_date: dt.date | None = None,
    actor=None,
) -> tuple[CourseAssignment, SyncResult]:
    """Assign a published course and enrol its learners now (new members join daily)."""
    if course.state != CourseState.PUBLISHED:
        raise ValidationError({"course": _("Only a published course can be assigned.")})
    assignment = CourseAssignment(
        course=course,
        kind=kind,
        role=role or "",
        user=user,
        target=target,
        erp_group=(erp_group or "").strip(),
        due_date=due_date,
        assigned_by=actor,
    )
    check_assignment(assignment)
    assignment.full_clean()
    assignment.save()
    return assignment, sync_assignment(assignment)


def check_assignment(assignment: CourseAssignment) -> None:
    """Whether the assignment names who it assigns (and its ERP group exists)."""
    kind = assignment.kind
    if kind == AssignmentKind.ROLE and assignment.role not in Role.values:
        raise ValidationError({"role": _("Choose a platform role.")})
    if kind == AssignmentKind.USER and assignment.user is None:
        raise ValidationError({"user": _("Choose the user.")})
    if kind == AssignmentKind.ERP_GROUP and (assignment.target is None or not assignment.erp_group):
        raise ValidationError({"erp_group": _("Choose the ERP and the name of its group.")})
    if kind == AssignmentKind.ERP_GROUP:
        erp_group_members(assignment.target, assignment.erp_group)  # the group must exist


def sync_assignment(assignment: CourseAssignment) -> SyncResult:
    """Enrol everyone the assignment names who is not enrolled in the course yet."""
    result = SyncResult()
    learners, erp_groups = _learners(assignment, result)
    result.learners = len(learners)
    for learner in learners:
        if enrol(assignment.course, learner, assignment, erp_groups.get(learner.pk, "")):
            result.added += 1
    assignment.not_mapped = result.not_mapped
    assignment.synced = timezone.now()
    assignment.save(update_fields=["not_mapped", "synced"])
    return result


def _learners(assignment: CourseAssignment, result: SyncResult) -> tuple[list, dict]:
    if assignment.kind == AssignmentKind.USER:
        return [assignment.user], {}
    if assignment.kind == AssignmentKind.ROLE:
        users = get_user_model().objects.filter(is_active=True, groups__name=assignment.role)
        return list(users.order_by("username")), {}
    members = erp_group_members(assignment.target, assignment.erp_group)
    mapped = platform_users_for_logins([member.login for member in members])
    result.not_mapped = [member.login for member in members if member.login not in mapped]
    learners = list({user.pk: user for user in mapped.values()}.values())
    return learners, {user.pk: assignment.erp_group for user in learners}


def enrol(course, user, assignment=None, erp_group: str = "") -> bool:
    """Enrol ``user``; an existing enrolment keeps its progress and takes the earlier due date
    (and the ERP group, if it had none). True when the user was not enrolled before."""
    due = assignment.due_date if assignment is not None else None
    enrolment, created = Enrolment.objects.get_or_create(
        course=course,
        user=user,
        defaults={"assignment": assignment, "due_date": due, "erp_group": erp_group},
    )
    if created:
        return True
    changed = []
    if due is not None and (enrolment.due_date is None or due < enrolment.due_date):
        enrolment.due_date = due
        changed.append("due_date")
    if erp_group and not enrolment.erp_group:  # counted under its ERP group in the reports
        enrolment.erp_group = erp_group
        changed.append("erp_group")
    if changed:
        enrolment.save(update_fields=changed)
    return False


def sync_all_assignments() -> int:
    """Daily: new role holders and new ERP group members join their courses. Returns how many
    learners were added; an ERP whose group or snapshot is gone is skipped."""
    added = 0
    for assignment in CourseAssignment.objects.filter(course__state=CourseState.PUBLISHED):
        try:
            added += sync_assignment(assignment).added
        except ValidationError:
            continue
    return added


def delete_assignment(assignment: CourseAssignment) -> None:
    """Remove the rule; learners who started keep their enrolment and progress, the others go."""
    with transaction.atomic():
        assignment.enrolments.filter(completed__isnull=True, attempts__isnull=True).filter(
            reads__isnull=True
        ).delete()
        assignment.delete()


# -- reminders ---------------------------------------------------------------------------------


def send_reminders(today: dt.date | None = None) -> dict:
    """Daily: one reminder for each unfinished course due within ``REMIND_DAYS_BEFORE`` days,
    one notice for each one overdue; each sent once (the enrolment remembers)."""
    today = today or timezone.localdate()
    pending = Enrolment.objects.filter(
        completed__isnull=True, due_date__isnull=False, course__state=CourseState.PUBLISHED
    ).select_related("course", "user")
    soon = pending.filter(
        reminded__isnull=True,
        due_date__gte=today,
        due_date__lte=today + dt.timedelta(days=REMIND_DAYS_BEFORE),
    )
    late = pending.filter(overdue_noticed__isnull=True, due_date__lt=today)
    counts = {"reminders": 0, "overdue": 0}
    for enrolment in soon:
        _notify(enrolment, "training_due", OutboxMessage.Severity.INFO, due_soon_text(enrolment))
        Enrolment.objects.filter(pk=enrolment.pk).update(reminded=timezone.now())
        counts["reminders"] += 1
    for enrolment in late:
        _notify(
            enrolment, "training_overdue", OutboxMessage.Severity.WARNING, overdue_text(enrolment)
        )
        Enrolment.objects.filter(pk=enrolment.pk).update(overdue_noticed=timezone.now())
        counts["overdue"] += 1
    return counts


def due_soon_text(enrolment: Enrolment) -> str:
    return _("%(user)s: finish the course “%(course)s” by %(due)s") % _names(enrolment)


def overdue_text(enrolment: Enrolment) -> str:
    return _("%(user)s has not finished the course “%(course)s” due %(due)s") % _names(enrolment)


def _names(enrolment: Enrolment) -> dict:
    return {
        "user": enrolment.user.get_username(),
        "course": enrolment.course.title,
        "due": enrolment.due_date.isoformat(),
    }


def _notify(enrolment: Enrolment, event: str, severity: str, subject: str) -> None:
    outbox.raise_alert(
        source=OUTBOX_SOURCE,
        event=f"{event}:{enrolment.pk}",
        severity=severity,
        subject=subject,
        body=subject,
        link=f"/knowledge/enrolment/{enrolment.pk}/change/",
    )


def resolve_reminders(enrolment: Enrolment) -> None:
    """The course is done: its open reminders are settled."""
    for event in ("training_due", "training_overdue"):
        outbox.resolve_alerts(source=OUTBOX_SOURCE, event=f"{event}:{enrolment.pk}")
