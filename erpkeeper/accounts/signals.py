"""Every user has a Profile; signing in carries the user's language over to the browser and
writes the sign-in history."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save

from erpkeeper.accounts.models import LoginRecord, Profile
from erpkeeper.accounts.services import get_profile, record_failed_password, record_sign_in
from erpkeeper.accounts.services.two_factor import SIGNAL_SENDER as TWO_FACTOR_SENDER
from erpkeeper.accounts.services.users import portal_rule


def create_profile(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        Profile.objects.get_or_create(user=instance)


def note_password_change(sender, instance, raw=False, update_fields=None, **kwargs):
    """A user who stores a new password of their own no longer needs to change it."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    stored = type(instance).objects.filter(pk=instance.pk).values_list("password", flat=True)
    if stored.first() not in (None, instance.password):
        instance._erpkeeper_password_changed = True


def clear_password_change_flag(sender, instance, created, raw=False, **kwargs):
    if getattr(instance, "_erpkeeper_password_changed", False) and not raw:
        del instance._erpkeeper_password_changed
        Profile.objects.filter(user=instance, must_change_password=True).update(
            must_change_password=False
        )


def remember_language_on_login(sender, request, user, **kwargs):
    """Ask UserLanguageMiddleware to set the language cookie, so that pages shown after
    signing out (the login page) stay in the user's language."""
    language = get_profile(user).language
    if request is not None and language:
        request.erpkeeper_language_cookie = language


def record_password_sign_in(sender, request, user, **kwargs):
    record_sign_in(request, user, LoginRecord.Method.PASSWORD, success=True)


def record_failed_sign_in(sender, credentials, request=None, **kwargs):
    if sender == TWO_FACTOR_SENDER:
        return  # a wrong code: the two-factor step has recorded it already
    record_failed_password(request, str(credentials.get("username") or ""))


def keep_portal_rule_on_save(sender, instance, raw=False, **kwargs):
    """A portal account saved with the staff or superuser flag (e.g. ticked on its page) loses
    it again (accounts.services.users.portal_rule)."""
    if not raw and instance.pk is not None:
        portal_rule(instance)


def keep_portal_rule_on_roles(sender, instance, action, reverse, pk_set=None, **kwargs):
    """Roles given or taken by any path: the user (or, from a role's side, each user) is
    brought under the portal rule."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    users = get_user_model().objects.filter(pk__in=pk_set or ()) if reverse else [instance]
    for user in users:
        if portal_rule(user):
            user.save(update_fields=["is_staff", "is_superuser"])


def connect() -> None:
    m2m_changed.connect(
        keep_portal_rule_on_roles,
        sender=get_user_model().groups.through,
        dispatch_uid="accounts.portal_rule_roles",
    )
    pre_save.connect(
        keep_portal_rule_on_save,
        sender=settings.AUTH_USER_MODEL,
        dispatch_uid="accounts.portal_rule_save",
    )
    post_save.connect(
        create_profile, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.create_profile"
    )
    pre_save.connect(
        note_password_change,
        sender=settings.AUTH_USER_MODEL,
        dispatch_uid="accounts.note_password_change",
    )
    post_save.connect(
        clear_password_change_flag,
        sender=settings.AUTH_USER_MODEL,
        dispatch_uid="accounts.clear_password_change_flag",
    )
    user_logged_in.connect(remember_language_on_login, dispatch_uid="accounts.login_language")
    user_logged_in.connect(record_password_sign_in, dispatch_uid="accounts.sign_in_history")
    user_login_failed.connect(record_failed_sign_in, dispatch_uid="accounts.sign_in_failures")
