"""``erpkeeper course list|show|assign|progress|certificate|verify|daily`` and
``erpkeeper kb report``.

    erpkeeper course list --state published
    erpkeeper course show 3                          (steps, quiz with the right answers)
    erpkeeper --as mark course assign 3 --erp shop --group Accounting --due 2026-12-31
    erpkeeper --as mark course assign 3 --role "Helpdesk agent"
    erpkeeper course progress 3 [--xlsx progress.xlsx]
    erpkeeper course certificate sun.li 3 -o certificate.pdf [--language en]
    erpkeeper course verify ABCD-EFGH-JKLM
    erpkeeper course daily                           (new learners and reminders now)
    erpkeeper kb report --from 2026-11-01 --to 2026-11-30 [--xlsx report.xlsx]

``COURSE`` is the course's id or title. Bad input exits with 2, an unknown course, user or
target with 3.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from erpkeeper.core.audit import acting_user
from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import (
    AssignmentKind,
    Course,
    CourseState,
    Enrolment,
)
from erpkeeper.lib.cli import (
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    CommandError,
    emit,
    find_one,
    render_plain,
    table,
    validation_error,
)
from erpkeeper.lib.pdf import PdfUnavailable
from erpkeeper.lib.roles import Role
from erpkeeper.targets.models import Target

LIST_COLUMNS = ["id", "state", "language", "pass_mark", "steps", "questions", "learners", "title"]
PROGRESS_COLUMNS = ["user", "erp_group", "due_date", "read", "best_score", "completed", "state"]


def register(sub) -> None:
    _register_course(sub)


def _register_course(sub) -> None:
    course = sub.add_parser("course", help="training: courses, assignments, progress")
    actions = course.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="courses")
    listing.add_argument("--state", choices=CourseState.values)
    listing.set_defaults(handler=handle_list)
    show = actions.add_parser("show", help="a course with its steps and quiz")
    show.add_argument("course", help="the course's id or title")
    show.set_defaults(handler=handle_show)
    assign = actions.add_parser("assign", help="assign a course by role, user or ERP group")
    assign.add_argument("course", help="the course's id or title")
    who = assign.add_mutually_exclusive_group(required=True)
    who.add_argument("--role", help="a platform role, e.g. 'Helpdesk agent'")
    who.add_argument("--user", help="a platform user name")
    who.add_argument("--erp", metavar="TARGET", help="an ERP (target) name, with --group")
    assign.add_argument("--group", help="the ERP group's name (with --erp)")
    assign.add_argument("--due", help="due date, YYYY-MM-DD")
    assign.set_defaults(handler=handle_assign)
    progress = actions.add_parser("progress", help="every learner of a course")
    progress.add_argument("course", help="the course's id or title")
    progress.set_defaults(handler=handle_progress)
    certificate = actions.add_parser("certificate", help="a learner's certificate as a PDF")
    certificate.add_argument("user", help="the learner's user name")
    certificate.add_argument("course", help="the course's id or title")
    certificate.add_argument("--language", choices=["zh-hans", "en"])
    certificate.add_argument("-o", "--output", required=True, metavar="FILE")
    certificate.set_defaults(handler=handle_certificate)
    verify = actions.add_parser("verify", help="check a certificate's code")
    verify.add_argument("code")
    verify.set_defaults(handler=handle_verify)
    daily = actions.add_parser("daily", help="enrol new learners and send reminders now")
    daily.set_defaults(handler=handle_daily)


def register_report(actions) -> None:
    """``kb report`` (added to the ``kb`` command by knowledge.cli)."""
    report = actions.add_parser("report", help="views, searches, deflection, completion")
    report.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default: 30 days)")
    report.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (default: today)")
    report.set_defaults(handler=handle_report)


def may(perm: str) -> None:
    user = acting_user()
    if user is not None and not user.has_perm(f"knowledge.{perm}"):
        raise CommandError(f"{user.get_username()} may not {perm}", EXIT_USAGE, "forbidden")


def find_course(text: str) -> Course:
    if text.isdigit():
        return find_one(Course.objects, "course", pk=int(text))
    return find_one(Course.objects, "course", title=text)


def course_row(course: Course) -> dict:
    return {
        "id": course.pk,
        "title": course.title,
        "state": course.state,
        "language": course.language,
        "pass_mark": course.pass_mark,
        "steps": course.steps.count(),
        "questions": course.questions.count(),
        "learners": course.enrolments.count(),
        "owner": course.owner.get_username() if course.owner else "",
    }


def handle_list(args) -> int:
    may("view_course")
    courses = Course.objects.order_by("pk")
    if args.state:
        courses = courses.filter(state=args.state)
    rows = [course_row(c) for c in courses]
    emit(args, rows, table(rows, LIST_COLUMNS))
    return 0


def handle_show(args) -> int:
    may("view_course")
    course = find_course(args.course)
    steps = [
        {"position": s.position, "article": s.article_id, "title": s.article.title}
        for s in course.steps.select_related("article")
    ]
    quiz = [
        {
            "question": q.text,
            "kind": q.kind,
            "options": [f"{'*' if o.correct else ' '} {o.text}" for o in q.options.all()],
        }
        for q in course.questions.prefetch_related("options")
    ]
    assignments = [
        {"id": a.pk, "who": a.who, "due_date": str(a.due_date or ""), "not_mapped": a.not_mapped}
        for a in course.assignments.all()
    ]
    row = {**course_row(course), "steps": steps, "quiz": quiz, "assignments": assignments}
    emit(args, row, render_plain(row))
    return 0


def _due(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--due: not a date: {text!r}", EXIT_USAGE, "invalid") from None


def _who(args) -> dict:
    if args.role:
        try:
            return {"kind": AssignmentKind.ROLE, "role": Role.parse(args.role).value}
        except ValueError:
            names = ", ".join(r.value for r in Role)
            raise CommandError(f"no role {args.role!r} (one of: {names})", EXIT_USAGE) from None
    if args.user:
        user = find_one(get_user_model().objects, "user", username=args.user)
        return {"kind": AssignmentKind.USER, "user": user}
    if not args.group:
        raise CommandError("--erp needs --group NAME", EXIT_USAGE, "usage")
    target = find_one(Target.objects, "target", name=args.erp)
    return {"kind": AssignmentKind.ERP_GROUP, "target": target, "erp_group": args.group}


def handle_assign(args) -> int:
    may("add_courseassignment")
    course = find_course(args.course)
    try:
        assignment, result = services.assign_course(
            course, due_date=_due(args.due), actor=acting_user(), **_who(args)
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    data = {
        "assignment": assignment.pk,
        "learners": result.learners,
        "added": result.added,
        "not_mapped": result.not_mapped,
    }
    text = (
        f"assignment {assignment.pk}: {result.learners} learners ({result.added} new); "
        f"{len(result.not_mapped)} ERP users not mapped"
        + (f": {', '.join(result.not_mapped)}" if result.not_mapped else "")
    )
    emit(args, data, text)
    return 0


def progress_row(enrolment: Enrolment) -> dict:
    found = services.progress(enrolment)
    state = "passed" if enrolment.completed else ("overdue" if found["overdue"] else "to do")
    return {
        "user": enrolment.user.get_username(),
        "erp_group": enrolment.erp_group,
        "due_date": enrolment.due_date.isoformat() if enrolment.due_date else "",
        "read": f"{found['read']}/{found['steps']}",
        "attempts": found["attempts"],
        "best_score": enrolment.best_score,
        "completed": enrolment.completed.isoformat() if enrolment.completed else "",
        "state": state,
    }


def handle_progress(args) -> int:
    may("view_enrolment")
    course = find_course(args.course)
    rows = [progress_row(e) for e in course.enrolments.select_related("user").order_by("user")]
    emit(args, rows, table(rows, PROGRESS_COLUMNS))
    return 0


def handle_certificate(args) -> int:
    course = find_course(args.course)
    user = find_one(get_user_model().objects, "user", username=args.user)
    actor = acting_user()
    if actor is not None and actor.pk != user.pk:
        may("view_enrolment")  # one's own certificate needs no permission
    enrolment = Enrolment.objects.filter(course=course, user=user).first()
    if enrolment is None or enrolment.completed is None:
        raise CommandError(
            f"{user.get_username()} has not passed {course.title!r}", EXIT_NOT_FOUND, "not_found"
        )
    try:
        pdf = services.certificate_pdf(enrolment, args.language or "")
    except PdfUnavailable as exc:
        raise CommandError(str(exc)) from None
    Path(args.output).write_bytes(pdf)
    data = {"file": args.output, "bytes": len(pdf), "code": enrolment.certificate_code}
    emit(args, data, f"{args.output}: {len(pdf)} bytes, code {enrolment.certificate_code}")
    return 0


def handle_verify(args) -> int:
    found = services.verify_certificate(args.code)
    if found is None:
        raise CommandError(f"no certificate has the code {args.code!r}", EXIT_NOT_FOUND, "invalid")
    data = {
        "valid": True,
        "user": found.user.get_username(),
        "course": found.course.title,
        "completed": found.completed.isoformat(),
        "score": found.best_score,
    }
    emit(args, data, render_plain(data))
    return 0


def handle_daily(args) -> int:
    may("change_enrolment")
    added = services.sync_all_assignments()
    sent = services.send_reminders()
    data = {"enrolled": added, **sent}
    emit(args, data, f"{added} learners enrolled; {sent['reminders']} reminders, "
         f"{sent['overdue']} overdue notices")  # fmt: skip
    return 0


def handle_report(args) -> int:
    may("view_article")
    try:
        period = services.parse_period(args.start, args.end)
    except ValidationError as exc:
        raise validation_error(exc) from None
    report = services.knowledge_report(period)
    if getattr(args, "xlsx", None):
        # One sheet per measure, as the console's export (emit would write one list).
        Path(args.xlsx).write_bytes(services.report_workbook(report))
        print(f"{args.xlsx} written")
        return 0
    emit(args, report, render_plain(_summary(report)))
    return 0


def _summary(report: dict) -> dict:
    deflection = report["deflection"]
    return {
        "period": f"{report['period']['from']} – {report['period']['to']}",
        "article views": report["views"]["total"],
        "found helpful %": report["helpfulness"]["percent"],
        "deflection %": deflection["percent"],
        "visits with suggestions": deflection["searches"],
        "articles read from suggestions": deflection["suggestion_reads"],
        "searches without a result": [
            f"{m['term']} ({m['count']})" for m in report["search_misses"]
        ],
        "completion per role": [
            f"{r['name']}: {r['completed']}/{r['assigned']}" for r in report["completion_by_role"]
        ],
        "completion per ERP group": [
            f"{r['name']}: {r['completed']}/{r['assigned']}"
            for r in report["completion_by_erp_group"]
        ],
        "overdue": [f"{r['user']}: {r['course']} ({r['due_date']})" for r in report["overdue"]],
    }
