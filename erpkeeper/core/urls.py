"""Console pages outside the model admin (health probe; more added by the apps)."""

from django.http import JsonResponse
from django.urls import path
from django.utils.translation import gettext as _

from erpkeeper.core.jobs.liveness import health, stale_seconds


def healthz(request):
    """200 while the worker and the scheduler beat; 503 naming those that stopped.

    The web process alone is not "healthy": without a worker nothing is backed up, collected,
    evaluated or sent. No authentication (probes have none); it shows no data, only ages.
    """
    try:
        stale, parts = health()
    except Exception as exc:  # noqa: BLE001  (the queue's store itself is unreachable)
        detail = _("The job queue cannot be read: %(reason)s") % {"reason": type(exc).__name__}
        return JsonResponse(
            {"status": "unhealthy", "stale": ["queue"], "detail": detail}, status=503
        )
    body = {"status": "ok" if not stale else "unhealthy", "stale": stale, **parts}
    if not stale:
        return JsonResponse(body)
    body["detail"] = _(
        "No heartbeat for more than %(seconds)d s from: %(parts)s. Nothing is backed up, "
        "collected, evaluated or sent while they are down."
    ) % {"seconds": stale_seconds(), "parts": ", ".join(stale)}
    return JsonResponse(body, status=503)


urlpatterns = [path("healthz", healthz, name="healthz")]
