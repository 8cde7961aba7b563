"""Console pages for users and roles (auth groups), themed with unfold."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from unfold.admin import ModelAdmin, StackedInline
from unfold.decorators import action, display
from unfold.forms import (
    AdminPasswordChangeForm,
    UserChangeForm,
    UserCreationForm,
)

from erpkeeper.accounts import services
from erpkeeper.accounts.models import Profile
from erpkeeper.accounts.roles import Role, role_label
from erpkeeper.lib.admin import ServiceSaveMixin, badge, mark, when_text

admin.site.unregister(User)
admin.site.unregister(Group)
# django-otp's own pages show and edit device secrets (even another user's QR code): devices
# are managed by their owner's account page and reset by administrators on the user's page.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
USER_SIGN_INS_SHOWN = 10


STAFF_HELP = _(
    "Every ERPKeeper user is staff: that only lets them into the console. What they can see and "
    "do there and in the API is decided by their role."
)


# --- users -----------------------------------------------------------------------------------


class UserAddForm(UserCreationForm):
    """Username, e-mail, role and an initial password (checked against the password policy)."""

    email = forms.EmailField(label=_("Email address"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def clean_username(self):
        username = self.cleaned_data.get("username")
        if username and User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("A user with that username already exists."))
        return username


class TwoFactorFilter(admin.SimpleListFilter):
    title = _("two-factor authentication")
    parameter_name = "two_factor"

    def lookups(self, request, model_admin):
        return [("on", _("On")), ("off", _("Off"))]

    def queryset(self, request, queryset):
        if self.value() == "on":
            return queryset.filter(has_2fa=True)
        if self.value() == "off":
            return queryset.filter(has_2fa=False)
        return queryset


class ProfileInline(StackedInline):
    model = Profile
    can_delete = False
    verbose_name_plural = _("preferences")
    fields = ["language"]


@admin.register(User)
class UserAdmin(ServiceSaveMixin, BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserAddForm
    change_password_form = AdminPasswordChangeForm
    list_display = [
        "username",
        "email",
        "full_name",
        "roles",
        "two_factor",
        "is_active",
        "last_login",
    ]
    list_filter = ["is_active", "groups", TwoFactorFilter]
    actions_detail = ["reset_two_factor_detail", "forget_browsers_detail"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (
            _("Access"),
            {
                "fields": ("is_active", "groups"),
                "description": _(
                    "Roles are groups whose permissions follow fixed rules; see Roles."
                ),
            },
        ),
        (
            _("Advanced"),
            {
                "fields": ("is_staff", "is_superuser", "user_permissions"),
                "classes": ["collapse"],
                "description": STAFF_HELP,
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        (
            _("Signing in"),
            {"fields": ("two_factor_summary", "recent_sign_ins")},
        ),
    )
    readonly_fields = ["two_factor_summary", "recent_sign_ins"]
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "role", "password1", "password2"),
                "description": STAFF_HELP,
            },
        ),
    )

    def get_inlines(self, request, obj):
        # The profile is created with the user (signal); edit it only once it exists.
        return [ProfileInline] if obj is not None else []

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "groups":
            kwargs["label"] = _("Roles")
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)

    def get_queryset(self, request):
        enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return (
            super()
            .get_queryset(request)
            .prefetch_related("groups")
            .annotate(has_2fa=Exists(enrolled))
        )

    @display(description=_("Name"))
    def full_name(self, obj):
        return obj.get_full_name()

    @display(description=_("Roles"))
    def roles(self, obj):
        return ", ".join(role_label(g.name) for g in obj.groups.all())

    @display(description=_("2FA"), ordering="has_2fa")
    def two_factor(self, obj):
        if obj.has_2fa:
            return mark(True, str(_("Two-factor authentication is on.")))
        if services.two_factor_required(obj):
            return badge("warning", _("required, not set up"))
        return mark(None, str(_("Two-factor authentication is off.")))

    @display(description=_("Two-factor authentication"))
    def two_factor_summary(self, obj):
        if obj.pk is None:
            return "–"
        state = services.two_factor_state(obj)
        if state.enabled:
            text = ngettext(
                "On since %(date)s; last code %(last)s; %(count)d recovery code left.",
                "On since %(date)s; last code %(last)s; %(count)d recovery codes left.",
                state.recovery_codes_left,
            ) % {
                "date": when_text(state.enrolled_at),
                "last": when_text(state.last_used),
                "count": state.recovery_codes_left,
            }
        elif state.required:
            text = _("Off, but the role requires it: set up at the next sign-in.")
        else:
            text = _("Off.")
        return text

    @display(description=_("Recent sign-ins"))
    def recent_sign_ins(self, obj):
        if obj.pk is None:
            return "–"
        table = render_to_string(
            "accounts/sign_in_table.html",
            {"sign_ins": services.sign_ins_of(obj, USER_SIGN_INS_SHOWN)},
        )
        url = services.sign_ins_url(obj.pk)
        return format_html(
            '{}<p class="mt-2"><a class="text-primary-600" href="{}">{}</a></p>',
            table,
            url,
            _("All sign-ins of this user"),
        )

    @action(description=_("Reset two-factor authentication"), icon="phonelink_erase")
    def reset_two_factor_detail(self, request, object_id):
        """GET asks for confirmation; POST removes the user's authenticator and recovery codes
        (a lost phone): they set it up again at their next page."""
        user = self.get_queryset(request).filter(pk=object_id).first()
        change_url = reverse("admin:auth_user_change", args=[object_id])
        if user is None or not self.has_change_permission(request, user):
            self.message_user(request, _("You cannot reset this user."), messages.ERROR)
            return redirect(change_url)
        if request.method != "POST":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Reset two-factor authentication"),
                "target_user": user,
                "state": services.two_factor_state(user),
                "cancel_url": change_url,
            }
            return TemplateResponse(request, "accounts/two_factor_reset_confirm.html", context)
        services.reset_two_factor(user)
        message = _("Two-factor authentication of %(user)s has been reset.") % {
            "user": user.get_username()
        }
        self.message_user(request, message, messages.SUCCESS)
        return redirect(change_url)

    @action(description=_("Forget remembered browsers"), icon="devices_off")
    def forget_browsers_detail(self, request, object_id):
        """GET asks for confirmation; POST makes every browser remembered for the user ask for
        the code again (a lost laptop). The password and the authenticator stay."""
        user = self.get_queryset(request).filter(pk=object_id).first()
        change_url = reverse("admin:auth_user_change", args=[object_id])
        if user is None or not self.has_change_permission(request, user):
            self.message_user(request, _("You cannot change this user."), messages.ERROR)
            return redirect(change_url)
        if request.method != "POST":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Forget remembered browsers"),
                "target_user": user,
                "cancel_url": change_url,
            }
            return TemplateResponse(request, "accounts/forget_browsers_confirm.html", context)
        services.forget_remembered_browsers(user, actor=request.user)
        message = _("Every browser remembered for %(user)s asks for the code again.") % {
            "user": user.get_username()
        }
        self.message_user(request, message, messages.SUCCESS)
        return redirect(change_url)

    def save_through_service(self, request, obj, form, change):
        if change:
            return None
        # New users go through the same service as the CLI: staff, profile, role.
        user, _generated = services.create_user(
            obj.username,
            form.cleaned_data.get("email", ""),
            form.cleaned_data["role"],
            password=form.cleaned_data["password1"],
        )
        return user


# --- roles -----------------------------------------------------------------------------------


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    list_display = ["label", "name", "members", "permission_count", "is_role"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=Count("user", distinct=True),
                perm_count=Count("permissions", distinct=True),
            )
        )

    @display(description=_("Role"))
    def label(self, obj):
        return role_label(obj.name)

    @display(description=_("Members"), ordering="member_count")
    def members(self, obj):
        return obj.member_count

    @display(description=_("Permissions"), ordering="perm_count")
    def permission_count(self, obj):
        return obj.perm_count

    @display(description=_("Built-in role"), boolean=True)
    def is_role(self, obj):
        return obj.name in Role.values

    def get_fields(self, request, obj=None):
        if obj is not None and obj.name in Role.values:
            return ["name", "label", "rules_note", "permission_list"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.name in Role.values:
            return ["name", "label", "rules_note", "permission_list"]
        return super().get_readonly_fields(request, obj)

    @display(description=_("How permissions are set"))
    def rules_note(self, obj):
        return _(
            "This built-in role's permissions are derived from rules "
            "(erpkeeper/accounts/roles.py) after every upgrade; they cannot be edited here. "
            "Create another group for extra permissions."
        )

    @display(description=_("Permissions"))
    def permission_list(self, obj):
        names = obj.permissions.select_related("content_type").order_by(
            "content_type__app_label", "content_type__model", "codename"
        )
        return ", ".join(f"{p.content_type.app_label}.{p.codename}" for p in names) or "-"

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.name in Role.values:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would delete built-in roles too
        return actions


# --- API tokens ------------------------------------------------------------------------------
