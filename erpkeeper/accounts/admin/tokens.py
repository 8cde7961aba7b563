"""Console pages for API tokens: created, shown once, revoked; never their secret."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from erpkeeper.accounts import services
from erpkeeper.accounts.models import ApiToken
from erpkeeper.lib.admin import ServiceSaveMixin


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "expires"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and self.user is not None:
            try:
                services.validate_token_request(self.user, data.get("name"), data.get("expires"))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return data


class TokenStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return ApiToken.Status.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        unexpired = Q(expires__isnull=True) | Q(expires__gt=now)
        if self.value() == ApiToken.Status.ACTIVE:
            return queryset.filter(unexpired, revoked__isnull=True)
        if self.value() == ApiToken.Status.EXPIRED:
            return queryset.filter(revoked__isnull=True, expires__lte=now)
        if self.value() == ApiToken.Status.REVOKED:
            return queryset.filter(revoked__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceSaveMixin, ModelAdmin):
    """Everyone manages their own tokens here; view_any/revoke_any_apitoken reach all users'."""

    form = ApiTokenForm
    list_display = [
        "name",
        "display_prefix",
        "status_badge",
        "created",
        "last_used",
        "expires",
        "revoked",
    ]
    list_display_links = ["name"]
    list_filter = [TokenStatusFilter]
    search_fields = ["name", "prefix", "user__username"]
    actions = ["revoke_selected"]
    actions_detail = ["revoke_detail"]

    def get_queryset(self, request):
        return services.visible_tokens(request.user)

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if request.user.has_perm("accounts.view_any_apitoken"):
            columns.insert(1, "user")
        return columns

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "expires"]
        return [
            "name",
            "user",
            "display_prefix",
            "status_badge",
            "created",
            "last_used",
            "expires",
            "revoked",
        ]

    def get_readonly_fields(self, request, obj=None):
        # Only the name is editable, and only when creating the token.
        if obj is None:
            return []
        return [name for name in self.get_fields(request, obj) if name != "name"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class BoundForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, user=request.user, **kw)

        return BoundForm

    def has_change_permission(self, request, obj=None):
        if obj is not None and not isinstance(obj, ApiToken):  # unfold passes an id
            obj = self.get_queryset(request).filter(pk=obj).first()
        if obj is None:
            return super().has_change_permission(request)
        return services.can_revoke(request.user, obj)

    @display(description=_("Token"))
    def display_prefix(self, obj):
        return obj.display_prefix

    @display(
        description=_("Status"),
        label={
            ApiToken.Status.ACTIVE: "success",
            ApiToken.Status.EXPIRED: "warning",
            ApiToken.Status.REVOKED: "danger",
        },
    )
    def status_badge(self, obj):
        return obj.status, ApiToken.Status(obj.status).label

    def save_through_service(self, request, obj, form, change):
        if change:
            return None
        token, plaintext = services.create_api_token(
            request.user, form.cleaned_data["name"], form.cleaned_data.get("expires")
        )
        request.erpkeeper_new_token = plaintext
        return token

    def response_add(self, request, obj, post_url_continue=None):
        plaintext = getattr(request, "erpkeeper_new_token", None)
        if plaintext is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Your new API token"),
            "token": obj,
            "plaintext": plaintext,
            "changelist_url": reverse("admin:accounts_apitoken_changelist"),
        }
        response = TemplateResponse(request, "accounts/token_created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @action(description=_("Revoke selected API tokens"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        revocable = [
            t for t in queryset if t.revoked is None and services.can_revoke(request.user, t)
        ]
        for token in revocable:
            services.revoke_api_token(token)
        count = len(revocable)
        message = ngettext("%(count)d API token revoked.", "%(count)d API tokens revoked.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @action(description=_("Revoke"), icon="block")
    def revoke_detail(self, request, object_id):
        """GET asks for confirmation (a link must not change anything); POST revokes."""
        token = self.get_queryset(request).filter(pk=object_id).first()
        change_url = reverse("admin:accounts_apitoken_change", args=[object_id])
        if token is None or not services.can_revoke(request.user, token):
            self.message_user(request, _("You cannot revoke this token."), messages.ERROR)
            return redirect(change_url)
        if request.method != "POST":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Revoke API token"),
                "token": token,
                "cancel_url": change_url,
            }
            return TemplateResponse(request, "accounts/token_revoke_confirm.html", context)
        services.revoke_api_token(token)
        self.message_user(request, _("The API token has been revoked."), messages.SUCCESS)
        return redirect(change_url)


# --- the sign-in history --------------------------------------------------------------------
