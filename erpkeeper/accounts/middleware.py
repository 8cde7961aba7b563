from django.conf import settings
from django.utils import translation


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
