"""Access review campaigns in the console: the list with each campaign's progress, a campaign's
page (progress per reviewer as bars, items, remediation requests; launch, close, export), the
ERP group owners, and "My reviews": a reviewer's own items with keep or revoke and a comment
per item, and keeping several at once."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from erpkeeper.lib.admin import ServiceSaveMixin, badge, navigate
from erpkeeper.lib.cli import validation_text
from erpkeeper.lib.exports import XLSX_CONTENT_TYPE
from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable
from erpkeeper.security import services
from erpkeeper.security.forms import LaunchDialogForm
from erpkeeper.security.models import Campaign, CampaignStatus, Decision, GroupOwner, ReviewItem
from erpkeeper.security.services.review_export import export_campaign, export_filename
from erpkeeper.security.services.reviews import RUN_CAMPAIGNS

# An open or closed campaign shows its scope as text, not as the form's fields.
FROZEN_NAMES = {
    "scope_groups": "groups_text",
    "scope_roles": "roles_text",
    "scope_users": "users_text",
}
LAUNCH_DIALOG = {
    "title": _("Launch this access review?"),
    "description": _(
        "One item per membership in scope is created and assigned to its reviewer; the "
        "campaign's scope and reviewers can no longer be changed."
    ),
    "form_class": LaunchDialogForm,
    "form_submit_text": _("Launch the campaign"),
}
STATUS_VARIANTS = {"draft": "info", "open": "primary", "closed": "success"}
DECISION_VARIANTS = {"pending": None, "keep": "success", "revoke": "danger"}
REQUEST_VARIANTS = {"requested": "warning", "carried_out": "success", "not_carried_out": "danger"}


def progress_bar(percent: int) -> str:
    return format_html(
        '<div style="background:#e5e7eb;border-radius:4px;width:12rem;height:.6rem;'
        'display:inline-block;vertical-align:middle" data-percent="{}">'
        '<div style="background:#16a34a;border-radius:4px;height:.6rem;width:{}%"></div></div>'
        " {}%",
        percent,
        percent,
        percent,
    )


class NamesField(forms.CharField):
    """A list of names typed comma-separated."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [part.strip() for part in str(value or "").split(",") if part.strip()]


class CampaignForm(forms.ModelForm):
    scope_groups = NamesField(
        label=_("groups in scope"), required=False, help_text=_("Comma-separated; empty: all.")
    )
    scope_roles = NamesField(
        label=_("roles in scope"), required=False, help_text=_("Comma-separated; empty: all.")
    )
    scope_users = NamesField(
        label=_("users in scope"),
        required=False,
        help_text=_("ERP logins, comma-separated; empty: everyone."),
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "description",
            "targets",
            "scope_groups",
            "scope_roles",
            "scope_users",
            "reviewer_mode",
            "default_reviewer",
            "deadline",
            "reminder_days",
            "owner",
        ]


@admin.register(Campaign)
class CampaignAdmin(ServiceSaveMixin, ModelAdmin):
    form = CampaignForm
    list_display = ["name", "status_badge", "deadline", "owner", "progress_column"]
    list_filter = ["status"]
    search_fields = ["name", "description"]
    actions_detail = ["launch", "close", "export_pdf", "export_xlsx"]
    readonly_fields = [
        "status_badge",
        "progress_display",
        "requests_display",
        "launched",
        "closed",
        "escalated",
    ]
    change_form_after_template = "security/admin/review_items.html"

    def get_fields(self, request, obj=None):
        fields = list(CampaignForm.Meta.fields)
        if obj is None:
            return fields
        if obj.status != CampaignStatus.DRAFT:
            fields = [FROZEN_NAMES.get(name, name) for name in fields]
        return [*fields, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != CampaignStatus.DRAFT:
            return self.get_fields(request, obj)
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        """Only a draft is edited; an open or closed campaign's page is read-only."""
        ok = super().has_change_permission(request, obj)
        return ok and (obj is None or obj.status == CampaignStatus.DRAFT)

    @display(description=_("groups in scope"))
    def groups_text(self, obj):
        return ", ".join(obj.scope_groups) or gettext("every group")

    @display(description=_("roles in scope"))
    def roles_text(self, obj):
        return ", ".join(obj.scope_roles) or gettext("every role")

    @display(description=_("users in scope"))
    def users_text(self, obj):
        return ", ".join(obj.scope_users) or gettext("everyone")

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, "default_reviewer": request.user.pk}

    def has_delete_permission(self, request, obj=None):
        ok = super().has_delete_permission(request, obj)
        return ok and (obj is None or obj.status == CampaignStatus.DRAFT)

    def save_through_service(self, request, obj, form, change):
        try:
            return services.save_campaign(obj)
        except ValidationError as exc:  # the form validated it; a draft may have moved on
            raise PermissionDenied(validation_text(exc)) from None

    def has_launch_permission(self, request, object_id=None):
        return request.user.has_perm(RUN_CAMPAIGNS) and _status_is(object_id, "draft")

    def has_close_permission(self, request, object_id=None):
        return request.user.has_perm(RUN_CAMPAIGNS) and _status_is(object_id, "open")

    def has_export_pdf_permission(self, request, object_id=None):
        return request.user.has_perm("security.view_campaign")

    has_export_xlsx_permission = has_export_pdf_permission

    @display(description=_("Status"), ordering="status")
    def status_badge(self, obj):
        return badge(STATUS_VARIANTS.get(obj.status), obj.get_status_display())

    @display(description=_("Decided"))
    def progress_column(self, obj):
        if obj.status == CampaignStatus.DRAFT:
            return "–"
        return progress_bar(services.totals(obj)["percent"])

    @display(description=_("Progress per reviewer"))
    def progress_display(self, obj):
        return render_to_string(
            "security/admin/review_progress.html", {"rows": services.progress(obj)}
        )

    @display(description=_("Remediation requests"))
    def requests_display(self, obj):
        return render_to_string(
            "security/admin/review_requests.html",
            {"requests": obj.requests.select_related("checked_snapshot")},
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The items under the form: every item for who runs campaigns, else one's own.
        items = ReviewItem.objects.filter(campaign_id=object_id).select_related(
            "reviewer", "request"
        )
        extra_context = {
            **(extra_context or {}),
            "review_items": services.items_visible_to(request.user, items),
            "variants": DECISION_VARIANTS,
            "reviewer_names": get_user_model()
            .objects.filter(is_active=True, is_staff=True)
            .exclude(pk=request.user.pk)
            .order_by("username")
            .values_list("username", flat=True),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @action(
        description=_("Launch the campaign"),
        icon="play_arrow",
        permissions=["launch"],
        dialog=LAUNCH_DIALOG,
    )
    def launch(self, request, form, object_id):
        campaign = get_object_or_404(Campaign, pk=object_id)
        try:
            count = services.launch_campaign(campaign, fresh=form.cleaned_data["fresh"])
            messages.success(
                request,
                ngettext(
                    "Launched: %(count)d item to review.",
                    "Launched: %(count)d items to review.",
                    count,
                )
                % {"count": count},
            )
        except ValidationError as exc:
            messages.error(request, validation_text(exc))
        return navigate(request, _page(campaign))

    @action(description=_("Close the campaign"), icon="lock", permissions=["close"])
    def close(self, request, object_id):
        campaign = get_object_or_404(Campaign, pk=object_id)
        try:
            services.close_campaign(campaign)
            messages.success(request, gettext("Campaign closed; its decisions are frozen."))
        except ValidationError as exc:
            messages.error(request, validation_text(exc))
        return navigate(request, _page(campaign))

    @action(
        description=_("Export evidence (PDF)"), icon="picture_as_pdf", permissions=["export_pdf"]
    )
    def export_pdf(self, request, object_id):
        return _export(request, object_id, "pdf")

    @action(description=_("Export evidence (XLSX)"), icon="table", permissions=["export_xlsx"])
    def export_xlsx(self, request, object_id):
        return _export(request, object_id, "xlsx")

    def get_urls(self):
        extra = [
            path(
                "my-reviews/",
                self.admin_site.admin_view(self.my_reviews_view),
                name="security_campaign_my_reviews",
            )
        ]
        return extra + super().get_urls()

    def my_reviews_view(self, request):
        """Any console user's own items of open campaigns: keep or revoke with a comment."""
        if request.method == "POST":
            _decide_from_post(request)
            return redirect(reverse("admin:security_campaign_my_reviews"))
        items = ReviewItem.objects.filter(
            reviewer=request.user, campaign__status=CampaignStatus.OPEN
        ).select_related("campaign", "request")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("My reviews"),
            "pending": [i for i in items if i.decision == Decision.PENDING],
            "decided": [i for i in items if i.decision != Decision.PENDING],
            "variants": DECISION_VARIANTS,
            "reviewer_names": get_user_model()
            .objects.filter(is_active=True, is_staff=True)
            .exclude(pk=request.user.pk)
            .order_by("username")
            .values_list("username", flat=True),
        }
        return TemplateResponse(request, "security/admin/my_reviews.html", context)


def _decide_from_post(request) -> None:
    """One item's decision (``decide`` = its id), or keeping every ticked item (``bulk_keep``)."""
    mine = ReviewItem.objects.filter(reviewer=request.user).select_related("campaign")
    try:
        if "hand_over" in request.POST:
            _hand_over_from_post(request, mine)
            return
        if "bulk_keep" in request.POST:
            chosen = mine.filter(pk__in=_ids(request.POST.getlist("selected")))
            if not chosen:
                messages.warning(request, gettext("Tick the items to keep first."))
                return
            count = services.bulk_keep(chosen, user=request.user)
            messages.success(
                request,
                ngettext("%(count)d item kept.", "%(count)d items kept.", count) % {"count": count},
            )
            return
        item = get_object_or_404(mine, pk=_ids([request.POST.get("decide", "")])[0])
        decision = request.POST.get(f"decision-{item.pk}", "")
        comment = request.POST.get(f"comment-{item.pk}", "")
        services.decide_item(item, user=request.user, decision=decision, comment=comment)
        messages.success(
            request, gettext("%(item)s: %(decision)s") % {"item": item, "decision": _label(item)}
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, validation_text(exc) if hasattr(exc, "messages") else str(exc))


def _hand_over_from_post(request, mine) -> None:
    chosen = mine.filter(pk__in=_ids(request.POST.getlist("selected")))
    if not chosen:
        messages.warning(request, gettext("Tick the items to hand over first."))
        return
    name = request.POST.get("hand_to", "").strip()
    to = get_user_model().objects.filter(username=name).first()
    if to is None:
        messages.error(request, gettext("No console user named %(name)s.") % {"name": name or "-"})
        return
    reason = request.POST.get("hand_reason", "")
    count = services.reassign_items(chosen, to=to, by=request.user, reason=reason)
    messages.success(
        request,
        ngettext("%(count)d item handed to %(user)s.", "%(count)d items handed to %(user)s.", count)
        % {"count": count, "user": to.get_username()},
    )


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()] or [0]


def _label(item: ReviewItem) -> str:
    return str(item.get_decision_display())


def _status_is(object_id, status: str) -> bool:
    if object_id is None:
        return False
    return Campaign.objects.filter(pk=object_id, status=status).exists()


def _page(campaign: Campaign) -> str:
    return reverse("admin:security_campaign_change", args=[campaign.pk])


def _export(request, object_id, fmt: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=object_id)
    try:
        body = export_campaign(campaign, fmt, translation.get_language())
    except PdfUnavailable as exc:
        messages.error(request, str(exc))
        return navigate(request, _page(campaign))
    content_type = PDF_CONTENT_TYPE if fmt == "pdf" else XLSX_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(campaign, fmt)}"'
    return response


@admin.register(GroupOwner)
class GroupOwnerAdmin(ModelAdmin):
    list_display = ["target", "group", "owner"]
    list_filter = ["target"]
    list_select_related = ["target", "owner"]
    search_fields = ["group", "owner__username"]
