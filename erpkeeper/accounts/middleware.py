"""What every console request passes through after authentication: the user's language, idle
sessions signed out, the two-factor step and enrolment, and the one-time password's change."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from erpkeeper.accounts.models import Profile
from erpkeeper.accounts.services import has_two_factor, two_factor_required


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
    # The service desk's portal for ERP end users (a path, not a URL name: accounts sits below
    # the service desk and does not know its routes).
    PORTAL_PREFIX = "/portal/"
    PORTAL_CHANGE_PATH = "/portal/password/"
    PORTAL_LOGOUT_PATH = "/portal/logout/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.must_change(request) or self._allowed(request.path):
            return self.get_response(request)
        if request.path.startswith(self.API_PREFIX):
            return JsonResponse(
                {"detail": api_message(), "error": "password_change_required"}, status=403
            )
        messages.warning(
            request, _("You signed in with a one-time password: choose your own password now.")
        )
        # Portal users (not staff) never see the console: they change it on the portal.
        if request.path.startswith(self.PORTAL_PREFIX) or not request.user.is_staff:
            return redirect(self.PORTAL_CHANGE_PATH)
        return redirect(reverse("admin:password_change"))

    def _allowed(self, path: str) -> bool:
        return (
            path.startswith(self.ALLOWED_PREFIXES)
            or path.startswith(self.CONSOLE_CHANGE_PREFIX)
            or path in (self.API_CHANGE_PATH, self.PORTAL_CHANGE_PATH, self.PORTAL_LOGOUT_PATH)
        )

    @staticmethod
    def must_change(request) -> bool:
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


# --- idle sessions ---------------------------------------------------------------------------

LAST_ACTIVITY_KEY = "erpkeeper_last_activity"
# The session is written at most this often: a page load per second must not mean a database
# write per second. Idle expiry is therefore exact to within this much.
ACTIVITY_RESOLUTION_SECONDS = 60
# What scripts ask for in the background (fetch() of live charts or job rows) is not activity
# of a person: a page left open would otherwise keep its session for ever.
BACKGROUND_FETCH_MODES = {"cors", "same-origin", "no-cors"}


class IdleSessionMiddleware:
    """Sign a console session out after ERPKEEPER_SESSION_IDLE_MINUTES without activity.

    The session remembers when it was last used (rewritten at most once a minute) and its
    expiry follows, so an abandoned session also dies in the session store. Chosen over
    SESSION_SAVE_EVERY_REQUEST, which writes the session on every request, and counts the
    background requests of an open page (live charts) as activity.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last > idle_seconds():
                self._sign_out(request)
            elif not is_background(request) and (
                last is None or now - last >= ACTIVITY_RESOLUTION_SECONDS
            ):
                request.session[LAST_ACTIVITY_KEY] = now
                request.session.set_expiry(idle_seconds() + ACTIVITY_RESOLUTION_SECONDS)
        return self.get_response(request)

    @staticmethod
    def _sign_out(request) -> None:
        logout(request)
        minutes = settings.SESSION_IDLE_MINUTES
        messages.info(
            request,
            ngettext(
                "You were signed out after %(minutes)d minute without activity.",
                "You were signed out after %(minutes)d minutes without activity.",
                minutes,
            )
            % {"minutes": minutes},
        )


def idle_seconds() -> int:
    return settings.SESSION_IDLE_MINUTES * 60


def is_background(request) -> bool:
    """A script's read in the background (not a page, a form or a click through htmx)."""
    return (
        request.method == "GET"
        and request.headers.get("Sec-Fetch-Mode", "") in BACKGROUND_FETCH_MODES
        and not request.headers.get("HX-Request")
    )


# --- two-factor authentication ---------------------------------------------------------------

VERIFY = "verify"
ENROL = "enrol"
STEP_URLS = {VERIFY: "accounts-two-factor-verify", ENROL: "accounts-two-factor-setup"}


class TwoFactorRequiredMiddleware:
    """Until a session has passed the second step, it may do nothing else: a user with an
    authenticator is sent to the code page; a user whose role requires two-factor
    authentication and who has none is sent to set it up. Console pages redirect there; the
    API answers 403 JSON, as for the one-time password. Covers every endpoint.

    API tokens are not held back: a token is the API's second factor, and making one needs a
    session that has passed this step (or the host's command line).
    """

    ALLOWED_PREFIXES = ("/static/", "/i18n/", "/jsi18n/", "/healthz", "/logout/")
    API_PREFIX = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = pending_step(request)
        if step is None or self._allowed(step, request.path):
            return self.get_response(request)
        if step == ENROL and PasswordChangeRequiredMiddleware.must_change(request):
            return self.get_response(request)  # a one-time password is replaced first
        if request.path.startswith(self.API_PREFIX):
            return JsonResponse(API_ANSWERS[step](), status=403)
        url = reverse(STEP_URLS[step])
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)

    def _allowed(self, step: str, path: str) -> bool:
        if path.startswith(self.ALLOWED_PREFIXES):
            return True
        return path == reverse(STEP_URLS[step])


def pending_step(request) -> str | None:
    """VERIFY, ENROL or None (nothing to do) for this request's session."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if getattr(user, "is_verified", lambda: False)():
        return None
    if has_two_factor(user):
        return VERIFY
    if two_factor_required(user):
        return ENROL
    return None


API_ANSWERS = {
    VERIFY: lambda: {
        "detail": _(
            "This session has not passed two-factor authentication: enter your code in the "
            "console first, or use an API token."
        ),
        "error": "two_factor_required",
    },
    ENROL: lambda: {
        "detail": _(
            "Your role requires two-factor authentication: set it up in the console first. "
            "Until then this session can do nothing else."
        ),
        "error": "two_factor_setup_required",
    },
}


# --- portal users stay on the portal ---------------------------------------------------------


class PortalUserMiddleware:
    """A signed-in user who is not staff (a Portal user: ERP end users) opening a console page
    is sent to the service desk's portal instead of the console's "not authorized" sign-in
    page. The API needs no such turn: without any permission it answers 403."""

    PORTAL_PATH = "/portal/"
    ALLOWED_PREFIXES = ("/portal/", "/static/", "/i18n/", "/jsi18n/", "/healthz", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_staff
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            return redirect(self.PORTAL_PATH)
        return self.get_response(request)
