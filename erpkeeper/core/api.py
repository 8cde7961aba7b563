"""API plumbing shared by every app: error bodies that are always JSON and never tracebacks."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    logger.exception("unhandled API error")
    return Response(
        {"detail": "internal error; see the server log", "error": "internal"},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
