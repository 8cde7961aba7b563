"""What every app's console pages share that needs no model: saving through the services.

class DestinationAdmin(ServiceSaveMixin, ModelAdmin):
    def save_through_service(self, request, obj, form, change):
        return services.update_destination(...) if change else services.create_destination(...)
"""

from __future__ import annotations


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
