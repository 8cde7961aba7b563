from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from erpkeeper.accounts.models import Profile


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

    try:
        return user.profile.language or ""
    except Profile.DoesNotExist:
        return ""


class PasswordChangeRequiredMiddleware:
    """Until a user who signed in with a generated one-time password has chosen their own,
    their session may only change it and sign out: console pages redirect to the password
    change page, the API answers 403 JSON. Covers every endpoint, present and future.

    API tokens are not held back: while the flag is set, the one-time password cannot make one
    (this middleware), so a token such a user has was made on the host (``erpkeeper token
    create``), e.g. for a service account that never signs in.
    """

    ALLOWED_PREFIXES = ("/static/", "/i18n/", "/jsi18n/", "/healthz", "/logout/")
    CONSOLE_CHANGE_PREFIX = "/password_change/"
    API_PREFIX = "/api/"
    API_CHANGE_PATH = "/api/v1/me/password/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._must_change(request) or self._allowed(request.path):
            return self.get_response(request)
        if request.path.startswith(self.API_PREFIX):
            return JsonResponse(
                {"detail": api_message(), "error": "password_change_required"}, status=403
            )
        messages.warning(
            request, _("You signed in with a one-time password: choose your own password now.")
        )
        return redirect(reverse("admin:password_change"))

    def _allowed(self, path: str) -> bool:
        return (
            path.startswith(self.ALLOWED_PREFIXES)
            or path.startswith(self.CONSOLE_CHANGE_PREFIX)
            or path == self.API_CHANGE_PATH
        )

    @staticmethod
    def _must_change(request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False

        try:
            return user.profile.must_change_password
        except Profile.DoesNotExist:
            return False


def api_message() -> str:
    return _(
        "Change your one-time password first: in the console (Change password) or with "
        "POST /api/v1/me/password/. Until then this session can do nothing else."
    )
