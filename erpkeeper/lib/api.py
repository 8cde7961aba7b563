"""API plumbing shared by every app: error bodies that are always JSON and never tracebacks,
bounded pagination, and query parameters read without trusting their size.

SQLite and PostgreSQL store ids and limits in 64 bits: a bigger number in a query reaches the
database driver as an OverflowError (a 500) unless it is refused or recognised first.
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

MAX_ID = 2**63 - 1  # the largest id (and LIMIT) SQLite and PostgreSQL can take
MAX_PAGE = 1000  # rows in one page, whatever ?limit= asks


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=`` as before, with ``limit`` capped: a huge one overflowed the database's
    LIMIT, and a page of a million rows helps nobody."""

    max_limit = MAX_PAGE


def query_int(params, name: str, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """The whole number in query parameter ``name`` (None when absent or empty); a 400 naming
    the parameter when it is not a number or lies outside minimum..maximum."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: [_("Give a whole number.")]}) from None
    if not minimum <= value <= maximum:
        raise ValidationError(
            {
                name: [
                    _("Give a number from %(minimum)d to %(maximum)d.")
                    % {"minimum": minimum, "maximum": maximum}
                ]
            }
        )
    return value


def id_or_name(field: str, value: str) -> dict:
    """Filter keywords for a parameter that takes an object's id or its name: digits that fit
    an id are the id, anything else (a huge number too) is a name."""
    if value.isascii() and value.isdigit() and int(value) <= MAX_ID:
        return {f"{field}_id": int(value)}
    return {f"{field}__name": value}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, SuspiciousOperation):
        return _refused_request(exc)
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    logger.exception("unhandled API error")
    return Response(
        {"detail": "internal error; see the server log", "error": "internal"},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _refused_request(exc: SuspiciousOperation) -> Response:
    """Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE (or too many fields) while DRF
    parses it: that is the client's request, not a server error."""
    if isinstance(exc, RequestDataTooBig):
        megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        return Response(
            {
                "error": "too_large",
                "detail": _("The request body is larger than %(size)s MB.")
                % {"size": f"{megabytes:g}"},
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    return Response(
        {"error": "invalid", "detail": _("The request was refused: %(reason)s") % {"reason": exc}},
        status=status.HTTP_400_BAD_REQUEST,
    )
