"""Change requests in the console: a draft is edited in the form (with the risk
questionnaire); every later step is a small form above it posting to ``step_view``, which
calls the same service as the API and the CLI."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from erpkeeper.changes import services
from erpkeeper.changes.models import (
    ChangeRequest,
    ChangeState,
    ChecklistItem,
    Decision,
    Outcome,
    RiskLevel,
)
from erpkeeper.changes.services.risk import QUESTIONS
from erpkeeper.lib.admin import ServiceSaveMixin, badge, run_badge, when_text, without_bulk_delete

STATE_VARIANTS = {
    ChangeState.DRAFT: "info",
    ChangeState.SUBMITTED: "warning",
    ChangeState.APPROVED: "primary",
    ChangeState.REJECTED: "danger",
    ChangeState.SCHEDULED: "primary",
    ChangeState.IN_PROGRESS: "warning",
    ChangeState.IMPLEMENTED: "success",
    ChangeState.FAILED: "danger",
    ChangeState.BACKED_OUT: "danger",
    ChangeState.REVIEWED: "success",
    ChangeState.CLOSED: None,
}
RISK_VARIANTS = {RiskLevel.LOW: "success", RiskLevel.MEDIUM: "warning", RiskLevel.HIGH: "danger"}
FIELDS = [
    "title",
    "change_type",
    "template",
    "targets",
    "affected_assets",
    "description",
    "implementation_plan",
    "test_plan",
    "backout_plan",
    "requires_green_run",
]
SHOWN = [
    "number",
    "state_badge",
    "requester",
    "risk_display",
    "planned",
    "approvals_display",
    "safety_display",
    "ci_display",
    "implementation_display",
    "review_display",
    "go_no_go_display",
]


class ChangeRequestForm(forms.ModelForm):
    class Meta:
        model = ChangeRequest
        fields = FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        answers = self.instance.risk_answers or {}
        for question in QUESTIONS:
            self.initial.setdefault(f"risk_{question.key}", answers.get(question.key))

    def risk_answers(self) -> dict:
        return {q.key: self.cleaned_data.get(f"risk_{q.key}") for q in QUESTIONS}


# The questionnaire's answers are form fields of their own (declared, so that the admin's
# form factory accepts their names), saved together as the change's ``risk_answers``.
for _question in QUESTIONS:
    ChangeRequestForm.declared_fields[f"risk_{_question.key}"] = ChangeRequestForm.base_fields[
        f"risk_{_question.key}"
    ] = forms.ChoiceField(
        label=_question.text,
        choices=[(value, label) for value, label, _weight in _question.answers],
    )


class ChecklistInline(TabularInline):
    model = ChecklistItem
    fields = ["position", "text"]
    extra = 1
    tab = False

    def has_add_permission(self, request, obj=None):
        return obj is None or obj.state == ChangeState.DRAFT

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ServiceSaveMixin, ModelAdmin):
    form = ChangeRequestForm
    inlines = [ChecklistInline]
    list_display = [
        "number",
        "title",
        "type_text",
        "state_badge",
        "risk_display",
        "targets_text",
        "planned_start",
        "requester",
    ]
    list_filter = ["state", "change_type", "risk_level", "targets"]
    search_fields = ["number", "title"]
    filter_horizontal = ["targets"]
    change_form_outer_before_template = "changes/admin/workflow.html"

    def get_actions(self, request):
        return without_bulk_delete(super().get_actions(request))

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Past the draft the form is read-only: each later step is a form of the workflow
        # panel, checked by ``step_view`` against the permission it needs.
        if obj is not None and obj.state != ChangeState.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        risk = [f"risk_{q.key}" for q in QUESTIONS]
        if obj is None or obj.state == ChangeState.DRAFT:
            return [*FIELDS, *risk] + (SHOWN[:2] if obj else [])
        return [*SHOWN, *FIELDS]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.state == ChangeState.DRAFT:
            return SHOWN[:2]
        return [*SHOWN, *FIELDS]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and obj.state != ChangeState.DRAFT:
            kwargs["fields"] = []
        return super().get_form(request, obj, change, **kwargs)

    def save_through_service(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name) for name in FIELDS}
        targets = data.pop("targets")
        template = data.pop("template")
        data["risk_answers"] = form.risk_answers()
        if change:
            return services.update_change(obj, targets=targets, **data)
        return services.create_change(
            requester=request.user, targets=targets, template=template, **data
        )

    @display(description=gettext_lazy("type"), ordering="change_type")
    def type_text(self, obj):
        return obj.get_change_type_display()

    @display(description=gettext_lazy("state"), ordering="state")
    def state_badge(self, obj):
        text = obj.get_state_display()
        if obj.awaiting_approval_after_fact:
            text = _("%(state)s, approval after the fact pending") % {"state": text}
        return badge(STATE_VARIANTS.get(obj.state), text)

    @display(description=gettext_lazy("risk"), ordering="risk_score")
    def risk_display(self, obj):
        label = _("%(level)s (%(score)s)") % {
            "level": obj.get_risk_level_display(),
            "score": obj.risk_score,
        }
        return badge(RISK_VARIANTS.get(obj.risk_level), label)

    @display(description=gettext_lazy("affected targets"))
    def targets_text(self, obj):
        return ", ".join(t.name for t in obj.targets.all())

    @display(description=gettext_lazy("planned"))
    def planned(self, obj):
        if obj.planned_start is None:
            return "–"
        return f"{when_text(obj.planned_start)} – {when_text(obj.planned_end)}"

    @display(description=gettext_lazy("approvals"))
    def approvals_display(self, obj):
        rows = obj.approvals.select_related("approver")
        text = format_html_join(
            "",
            "<div>{} · {} · {} {}</div>",
            (
                (a.approver, a.get_decision_display(), when_text(a.decided_at), a.comment)
                for a in rows
            ),
        )
        needed = services.approvals_needed(obj)
        if obj.state == ChangeState.SUBMITTED or obj.awaiting_approval_after_fact:
            return text + format_html_join(
                "", "<div>{}</div>", [(_("%(n)s more approval(s) needed") % {"n": needed},)]
            )
        return text or "–"

    @display(description=gettext_lazy("safety backups"))
    def safety_display(self, obj):
        statuses = services.safety_status(obj)
        return format_html_join(
            "",
            "<div data-testid='safety-backup'>{}: {}</div>",
            ((s.target, run_badge(s.status, s.label)) for s in statuses),
        )

    @display(description=gettext_lazy("latest CI run"))
    def ci_display(self, obj):
        run = services.latest_run(obj)
        if run is None:
            return _("none") + (" · " + _("required") if obj.requires_green_run else "")
        return f"{run.repository} {run.branch} · {run.get_status_display()}"

    @display(description=gettext_lazy("implementation"))
    def implementation_display(self, obj):
        if obj.actual_start is None:
            return "–"
        outcome = obj.get_outcome_display() if obj.outcome else _("in progress")
        times = f"{when_text(obj.actual_start)} – {when_text(obj.actual_end)}"
        return f"{times} · {outcome} · {obj.implementation_notes}"

    @display(description=gettext_lazy("review"))
    def review_display(self, obj):
        if obj.reviewed_at is None:
            return "–"
        verdict = _("successful") if obj.review_success else _("not successful")
        return " · ".join(p for p in (verdict, obj.review_issues, obj.review_lessons) if p)

    @display(description=gettext_lazy("go / no go"))
    def go_no_go_display(self, obj):
        return obj.get_go_no_go_display()

    # --- the workflow's steps ----------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/step/<str:step>/",
                wrap(self.step_view),
                name="changes_changerequest_step",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        change = self.get_object(request, object_id)
        extra = {**(extra_context or {})}
        if change is not None:
            extra["workflow"] = workflow_context(request, change)
        return super().change_view(request, object_id, form_url, extra)

    def step_view(self, request, pk: int, step: str):
        change = get_object_or_404(ChangeRequest, pk=pk)
        if request.method != "POST" or step not in STEPS:
            return redirect(reverse("admin:changes_changerequest_change", args=[pk]))
        permission, operation = STEPS[step]
        if not request.user.has_perm(permission):
            raise PermissionDenied
        try:
            operation(change, request)
        except (ValidationError, services.IllegalTransition, PermissionDenied) as exc:
            messages.error(request, " ".join(_messages(exc)))
        else:
            messages.success(request, _("%(number)s: done.") % {"number": change.number})
        return redirect(reverse("admin:changes_changerequest_change", args=[pk]))


def _messages(exc) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages]
    return [str(exc)]


def _local_time(text: str) -> dt.datetime | None:
    """A ``datetime-local`` input's value, in the user's time zone."""
    try:
        naive = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(naive, timezone.get_current_timezone())


def _schedule(change, request):
    start = _local_time(request.POST.get("planned_start", ""))
    end = _local_time(request.POST.get("planned_end", ""))
    services.schedule(change, start, end, request.user)


def _tick(change, request):
    item = get_object_or_404(ChecklistItem, pk=request.POST.get("item"), change=change)
    services.tick(item, request.POST.get("done") == "1", request.user)


CHANGE = "changes.change_changerequest"
APPROVE = "changes.approve_changerequest"
STEPS = {
    "submit": (CHANGE, lambda c, r: services.submit(c, r.user)),
    "approve": (
        APPROVE,
        lambda c, r: services.decide(c, r.user, Decision.APPROVE, r.POST.get("comment", "")),
    ),
    "reject": (
        APPROVE,
        lambda c, r: services.decide(c, r.user, Decision.REJECT, r.POST.get("comment", "")),
    ),
    "schedule": (CHANGE, _schedule),
    "safety-backup": (CHANGE, lambda c, r: services.request_safety_backups(c, r.user)),
    "start": (CHANGE, lambda c, r: services.start(c, r.user)),
    "complete": (
        CHANGE,
        lambda c, r: services.complete(
            c, r.POST.get("outcome", ""), r.POST.get("notes", ""), r.user
        ),
    ),
    "review": (
        CHANGE,
        lambda c, r: services.review(
            c,
            success=r.POST.get("success") == "1",
            issues=r.POST.get("issues", ""),
            lessons=r.POST.get("lessons", ""),
            actor=r.user,
        ),
    ),
    "close": (CHANGE, lambda c, r: services.close(c, r.user)),
    "tick": (CHANGE, _tick),
}


def workflow_context(request, change: ChangeRequest) -> dict:
    """Which step forms the user sees now, by state and permission."""
    state = change.state
    may_change = request.user.has_perm(CHANGE)
    may_approve = request.user.has_perm(APPROVE)
    emergency = change.change_type == "emergency"
    shown = {
        "submit": may_change and state == ChangeState.DRAFT,
        "decide": may_approve
        and (state == ChangeState.SUBMITTED or change.awaiting_approval_after_fact),
        "schedule": may_change
        and (
            state in (ChangeState.APPROVED, ChangeState.SCHEDULED)
            or (emergency and state == ChangeState.SUBMITTED)
        ),
        "safety_backup": may_change and state == ChangeState.SCHEDULED,
        "start": may_change
        and (state == ChangeState.SCHEDULED or (emergency and state in ("submitted", "approved"))),
        "complete": may_change and state == ChangeState.IN_PROGRESS,
        "review": may_change and state in services.requests.ENDED,
        "close": may_change and state in (ChangeState.REVIEWED, ChangeState.REJECTED),
    }
    return {
        "change": change,
        "shown": shown,
        "checklist": list(change.checklist.select_related("done_by")),
        "may_tick": may_change and state not in (ChangeState.DRAFT, ChangeState.SUBMITTED),
        "outcomes": Outcome.choices,
        "start_value": _input_value(change.planned_start),
        "end_value": _input_value(change.planned_end),
    }


def _input_value(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""
