"""The console toolkit: what every app's pages share that needs no model. Saving through the
services, read-only evidence, and the small marks every page draws the same way: badges, ✓/✗,
dates, durations, links, colours and the redirect that works inside unfold's htmx dialogs.

class DestinationAdmin(ServiceSaveMixin, ModelAdmin):
    def save_through_service(self, request, obj, form, change):
        return services.update_destination(...) if change else services.create_destination(...)
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from erpkeeper.lib.units import duration_short

# Inline colours: unfold's pre-built stylesheet lacks some classes. One palette for every page.
OK_COLOR = "#16a34a"
WARNING_COLOR = "#d97706"
BAD_COLOR = "#dc2626"
MUTED_COLOR = "#94a3b8"
# unfold's label variants for the outcome of any run (a job, a backup, a drill, a copy ...).
RUN_VARIANTS = {
    "queued": "info",
    "running": "primary",
    "succeeded": "success",
    "failed": "danger",
    "cancelled": "warning",
    "pruned": "warning",
}


class ServiceSaveMixin:
    """A ModelAdmin whose saves go through the app's services, the one path the API, the CLI and
    jobs take too (validation, encryption of secrets, the audit trail's actor).

    ``save_through_service(request, obj, form, change)`` returns the saved instance, or None to
    let Django save ``obj`` itself (e.g. a plain edit with nothing to check beyond the form).
    """

    def save_through_service(self, request, obj, form, change):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        saved = self.save_through_service(request, obj, form, change)
        if saved is None:
            super().save_model(request, obj, form, change)
        else:
            adopt(obj, saved)


def adopt(obj, saved) -> None:
    """Give ``obj`` the state of the instance the service saved: the admin goes on with ``obj``
    for its success message, its history entry and its redirect."""
    if saved is not obj:
        obj.__dict__.update(saved.__dict__)


class EvidenceAdminMixin:
    """The console page of a record of what happened (a backup, a drill, a restore, a delivery,
    an audit entry): what it shows is read-only, and nobody adds, edits or deletes one by hand;
    such records come and go only through their services (retention, housekeeping). Without the
    delete permission Django offers no bulk delete either."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def badge(variant: str | None, text) -> str:
    """A coloured label, in lists and on read-only detail pages alike (unfold's
    ``display(label=...)`` only colours list cells; a read-only field shows the raw tuple)."""
    return render_to_string("unfold/helpers/label.html", {"text": text, "variant": variant})


def run_badge(status: str, text) -> str:
    """The badge of a run's status (``RUN_VARIANTS``), e.g. ``run_badge(job.status, label)``."""
    return badge(RUN_VARIANTS.get(status), text)


def mark(passed: bool | None, title: str = "") -> str:
    """✓ in green, ✗ in red, – when unknown."""
    if passed is None:
        return format_html('<span style="color: {}" title="{}">–</span>', MUTED_COLOR, title)
    color, symbol = (OK_COLOR, "✓") if passed else (BAD_COLOR, "✗")
    return format_html(
        '<span style="color: {}; font-weight: 600" title="{}">{}</span>', color, title, symbol
    )


def when_text(moment) -> str:
    """A moment in the server's time zone to the minute, – when there is none."""
    if moment is None:
        return "–"
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def duration_text(seconds: float | None) -> str:
    return duration_short(seconds)


def admin_link(url_name: str, pk, text) -> str:
    """A link to an object's console page, – when there is no object."""
    if pk is None:
        return "–"
    return format_html(
        '<a class="text-primary-600" href="{}">{}</a>', reverse(url_name, args=[pk]), text
    )


def navigate(request, url: str) -> HttpResponse:
    """Redirect; unfold's dialogs post through htmx, which is told to navigate instead of
    swapping the answer into the dialog."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def back_to(request, fallback: str) -> HttpResponse:
    """Back where the action was started from (``?next=``, e.g. a target's page, only on this
    site), else to ``fallback``."""
    wanted = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return navigate(request, wanted if wanted and allowed else fallback)


def without_bulk_delete(actions: dict) -> dict:
    """A changelist's actions without "delete selected": records that go only through services."""
    actions.pop("delete_selected", None)
    return actions
