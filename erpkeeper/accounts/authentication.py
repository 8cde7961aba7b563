"""API token authentication: ``Authorization: Bearer ek_…`` (or ``Token ek_…``).

A request without such a header is left to the next authenticator (the console session). A
request *with* one that is invalid, expired or revoked gets a 401 JSON body saying which, so a
script's author knows whether to fix a typo or ask for a new token. Tokens carry 256 random
bits and are looked up by their SHA-256, so guessing them is not a practical attack and needs no
lockout.
"""

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from erpkeeper.accounts import services
from erpkeeper.core.audit import set_request_actor

KEYWORDS = ("bearer", "token")


class TokenAuthenticationFailed(exceptions.AuthenticationFailed):
    def __init__(self, message: str, code: str):
        super().__init__({"detail": message, "error": code}, code)


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower().decode("latin-1") not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise TokenAuthenticationFailed(
                _("Malformed Authorization header: use 'Bearer <token>'."), "invalid_header"
            )
        try:
            plaintext = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise TokenAuthenticationFailed(
                str(services.TOKEN_ERRORS["invalid_token"]), "invalid_token"
            ) from None
        result = services.check_api_token(plaintext)
        if result.user is None:
            raise TokenAuthenticationFailed(result.message, result.error)
        self._apply_language(request, result.user)
        attribute_to(request, result.user)
        return result.user, result.token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'

    @staticmethod
    def _apply_language(request, user) -> None:
        # UserLanguageMiddleware ran before DRF knew the user; answer in their language too,
        # unless the request asks for a language: a client that sends Accept-Language says what
        # it can read (LocaleMiddleware has already chosen it), a script that sends none gets
        # its owner's language. (Browsers use sessions, where the profile wins.)
        if requested_language(request):
            return
        language = services.get_profile(user).language
        if language:
            translation.activate(language)
            request._request.LANGUAGE_CODE = language


def requested_language(request) -> str:
    """The supported language the Accept-Language header asks for first, or ""."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return ""


def attribute_to(request, user) -> None:
    """Attribute the rest of this request's changes to the token's user in the audit trail
    (AuditActorMiddleware opened the request's audit context before DRF knew the user)."""

    set_request_actor(request, user)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token scheme in the OpenAPI schema (Swagger UI's "Authorize" button)."""

    target_class = "erpkeeper.accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "ek_<prefix>_<secret>",
            "description": _(
                "An API token from the console (API tokens) or `erpkeeper token create`."
            ),
        }
