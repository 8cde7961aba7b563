"""Request id and audit attribution for web and API requests."""

import re
import uuid

from erpkeeper.core.audit import audit_context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Give each request an id (or keep a sane X-Request-ID) and echo it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class AuditActorMiddleware:
    """Attribute changes made while serving this request to its user.

    API token users are authenticated later, inside DRF: passing the request lets the recorder
    read ``request.user`` when each change is recorded, so they are attributed too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        source = "api" if request.path.startswith("/api/") else "console"
        with audit_context(
            actor, source=source, request_id=getattr(request, "request_id", ""), request=request
        ):
            return self.get_response(request)
