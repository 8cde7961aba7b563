"""Console pages for backup destinations: list with usage and check results, a form whose
secret is write-only, "check now", and removal through the services (refusals as messages)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from erpkeeper.backups import services
from erpkeeper.backups.forms import DestinationForm
from erpkeeper.backups.models import Destination
from erpkeeper.lib.admin import BAD_COLOR, ServiceSaveMixin, mark, without_bulk_delete
from erpkeeper.lib.units import bytes_human


@admin.register(Destination)
class DestinationAdmin(ServiceSaveMixin, ModelAdmin):
    form = DestinationForm
    list_display = ["name", "kind", "location_display", "check_display", "usage_display"]
    list_filter = ["kind"]
    search_fields = ["name", "path", "bucket", "endpoint_url", "description"]
    actions = ["check_selected"]
    actions_detail = ["check_now"]
    actions_row = ["check_row"]
    readonly_fields = ["check_display", "last_checked", "usage_display"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["name", "kind", "description"]}),
            (_("Local directory"), {"fields": ["path"]}),
            (
                _("S3-compatible object storage"),
                {
                    "fields": [
                        "bucket",
                        "prefix",
                        "endpoint_url",
                        "region",
                        "access_key_id",
                        "secret_access_key",
                    ]
                },
            ),
        ]
        if obj is not None:
            fieldsets.append(
                (_("State"), {"fields": ["check_display", "last_checked", "usage_display"]})
            )
        return fieldsets

    def get_actions(self, request):
        return without_bulk_delete(super().get_actions(request))

    # -- saving and removing go through the services --------------------------------------------

    def save_through_service(self, request, obj, form, change):
        if change:
            return services.update_destination(
                Destination.objects.get(pk=obj.pk),
                secret_access_key=form.new_secret(),
                **form.changes(),
            )
        return services.create_destination(
            secret_access_key=form.new_secret() or "", **form.changes()
        )

    def delete_view(self, request, object_id, extra_context=None):
        """GET asks for confirmation; POST removes through the service, which may refuse."""
        if request.method != "POST":
            return super().delete_view(request, object_id, extra_context)
        destination = self.get_object(request, object_id)
        if destination is None or not self.has_delete_permission(request, destination):
            return super().delete_view(request, object_id, extra_context)
        try:
            services.remove_destination(destination)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(reverse("admin:backups_destination_change", args=[object_id]))
        except ProtectedError:
            # Pruned backups and off-site copies still name it: their history must stay.
            messages.error(
                request,
                _("%(name)s is still named by backup history; it cannot be removed.")
                % {"name": destination.name},
            )
            return redirect(reverse("admin:backups_destination_change", args=[object_id]))
        messages.success(request, _("Destination %(name)s removed.") % {"name": destination})
        return redirect(reverse("admin:backups_destination_changelist"))

    # -- columns ----------------------------------------------------------------------------------

    @display(description=_("Location"))
    def location_display(self, obj):
        return obj.location()

    @display(description=_("Last check"), ordering="last_checked")
    def check_display(self, obj):
        if obj.last_check_ok is None:
            return mark(None, str(_("Not checked yet")))
        if obj.last_check_ok:
            return format_html("{} {}", mark(True), _("writable"))
        return format_html(
            '{} <span style="color: {}">{}</span>', mark(False), BAD_COLOR, obj.last_check_error
        )

    @display(description=_("Storage used"))
    def usage_display(self, obj):
        # Two aggregates per row: fine for the handful of destinations an installation has.
        usage = {row["destination"]: row for row in services.usage_by_destination()}.get(obj.name)
        if usage is None:
            return "–"
        count = ngettext("%(count)d backup", "%(count)d backups", usage["backups"]) % {
            "count": usage["backups"]
        }
        return f"{bytes_human(usage['bytes'])} · {count}"

    # -- check now --------------------------------------------------------------------------------

    @action(description=_("Check now"), icon="cloud_sync", permissions=["check"])
    def check_now(self, request, object_id):
        self._check(request, Destination.objects.get(pk=object_id))
        return redirect(reverse("admin:backups_destination_change", args=[object_id]))

    @action(description=_("Check"), icon="cloud_sync", permissions=["check"])
    def check_row(self, request, object_id):
        self._check(request, Destination.objects.get(pk=object_id))
        return redirect(reverse("admin:backups_destination_changelist"))

    @admin.action(description=_("Check selected destinations"), permissions=["check"])
    def check_selected(self, request, queryset):
        for destination in queryset:
            self._check(request, destination)

    def has_check_permission(self, request, object_id=None):
        # Checking writes a probe file into the destination: for those who may change it.
        return request.user.has_perm("backups.change_destination")

    def _check(self, request, destination: Destination) -> None:
        error = services.check_destination(destination)
        if error:
            messages.error(
                request, _("%(name)s: %(reason)s") % {"name": destination.name, "reason": error}
            )
        else:
            messages.success(request, _("%(name)s is writable.") % {"name": destination.name})
