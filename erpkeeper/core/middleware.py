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
        source = request_source(request.path)
        with audit_context(
            actor, source=source, request_id=getattr(request, "request_id", ""), request=request
        ):
            return self.get_response(request)


# Where a web request's changes come from, by the start of its path (else the console). The
# portal is the service desk's pages for ERP end users: its changes are told apart in the trail.
PATH_SOURCES = (("/api/", "api"), ("/portal/", "portal"))


def request_source(path: str) -> str:
    return next((source for prefix, source in PATH_SOURCES if path.startswith(prefix)), "console")
