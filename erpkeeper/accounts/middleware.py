from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _


class UserLanguageMiddleware:
    """Use the signed-in user's chosen language over the browser's.

    Runs after LocaleMiddleware (browser and cookie) and AuthenticationMiddleware. API token
    users are only known inside DRF; ApiTokenAuthentication applies their language there.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = user_language(getattr(request, "user", None))
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers["Content-Language"] = language
        cookie_language = getattr(request, "erpkeeper_language_cookie", "")
        if cookie_language:  # set at sign-in: keep the login page in this language later on
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                cookie_language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


def user_language(user) -> str:
    if user is None or not user.is_authenticated:
        return ""
    from erpkeeper.accounts.models import Profile

    try:
        return user.profile.language or ""
    except Profile.DoesNotExist:
        return ""


class PasswordChangeRequiredMiddleware:
    """Send a user who signed in with a generated one-time password to choose their own."""

    ALLOWED_PREFIXES = ("/static/", "/i18n/", "/api/", "/healthz", "/logout/", "/password_change/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_change(request) and not request.path.startswith(self.ALLOWED_PREFIXES):
            messages.warning(
                request, _("You signed in with a one-time password: choose your own password now.")
            )
            return redirect(reverse("admin:password_change"))
        return self.get_response(request)

    @staticmethod
    def _must_change(request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        from erpkeeper.accounts.models import Profile

        try:
            return user.profile.must_change_password
        except Profile.DoesNotExist:
            return False
