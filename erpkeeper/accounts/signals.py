"""Every user has a Profile; signing in carries the user's language over to the browser."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save


def create_profile(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from erpkeeper.accounts.models import Profile

        Profile.objects.get_or_create(user=instance)


def remember_language_on_login(sender, request, user, **kwargs):
    """Ask UserLanguageMiddleware to set the language cookie, so that pages shown after
    signing out (the login page) stay in the user's language."""
    from erpkeeper.accounts.services import get_profile

    language = get_profile(user).language
    if request is not None and language:
        request.erpkeeper_language_cookie = language


def connect() -> None:
    post_save.connect(
        create_profile, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.create_profile"
    )
    user_logged_in.connect(remember_language_on_login, dispatch_uid="accounts.login_language")
