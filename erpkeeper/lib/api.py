"""API plumbing shared by every app: error bodies that are always JSON and never tracebacks,
bounded pagination, list filters (each viewset's ``filterset_class``, see lib/filters.py), and
``?format=xlsx`` on every list (the rows of the page asked for, as a workbook).

SQLite and PostgreSQL store ids and limits in 64 bits: a bigger number in a query reaches the
database driver as an OverflowError (a 500) unless it is refused or recognised first.
"""

import json
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

MAX_PAGE = 1000  # rows in one page, whatever ?limit= asks
# lib.exports.XLSX_CONTENT_TYPE, not imported from there: openpyxl would load with every request.
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=`` as before, with ``limit`` capped: a huge one overflowed the database's
    LIMIT, and a page of a million rows helps nobody."""

    max_limit = MAX_PAGE


class XlsxRenderer(BaseRenderer):
    """``?format=xlsx`` (or ``Accept:`` the XLSX type): a list's rows, the page asked for
    (``&limit=1000`` for up to 1,000), as one worksheet; an object as a one-row sheet. Nested
    values are written as JSON text. An error stays a JSON body with its status."""

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response, view = context.get("response"), context.get("view")
        if response is not None and response.status_code >= 400:
            response["Content-Type"] = "application/json"
            return json.dumps(data, ensure_ascii=False).encode()
        # openpyxl takes a tenth of a second to load: only when a workbook is asked for.
        from erpkeeper.lib.exports import xlsx_bytes  # noqa: PLC0415

        rows = _rows_of(data)
        name = getattr(view, "basename", None) or "export"
        if response is not None:
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return xlsx_bytes(rows, title=name)


def _rows_of(data) -> list[dict]:
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return [row if isinstance(row, dict) else {"value": row} for row in data]
    return [{"value": data}]


class ListFilterBackend(DjangoFilterBackend):
    """The view's ``filterset_class`` applied to its list, and to the actions it names in
    ``filtered_actions`` (say an export of the list): filters choose what is listed, never which
    object a detail action acts on. A bad value is a 400 naming the filter."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) not in getattr(view, "filtered_actions", ("list",)):
            return queryset
        return super().filter_queryset(request, queryset, view)


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
