"""Console pages for targets: list, add, edit, facts, a "check now" button, and above the form
the panels other apps contribute (``target_panels`` on their AppConfig: backups, monitoring)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from erpkeeper.lib.admin import ServiceSaveMixin
from erpkeeper.lib.plugins import collect, load
from erpkeeper.targets import services
from erpkeeper.targets.facts import count_rows
from erpkeeper.targets.forms import TargetForm
from erpkeeper.targets.models import Target


@admin.register(Target)
class TargetAdmin(ServiceSaveMixin, ModelAdmin):
    form = TargetForm
    list_display = [
        "name",
        "kind",
        "environment_badge",
        "database_url_masked",
        "reachable_badge",
        "erp_version",
        "last_checked",
    ]
    list_filter = ["environment", "kind", "last_check_ok"]
    search_fields = ["name", "host_name", "description"]
    actions_detail = ["check_now"]
    actions_row = ["check_row"]
    change_form_outer_before_template = "targets/admin/target_panels.html"
    delete_confirmation_template = "targets/admin/delete_confirmation.html"
    readonly_fields = [
        "database_url_masked",
        "database_engine",
        "last_checked",
        "reachable_text",
        "last_check_error",
        "facts_panel",
        "recent_jobs",
    ]

    def get_fieldsets(self, request, obj=None):
        settings_fields = [
            "name",
            "kind",
            "environment",
            "database_url",
            "host_name",
            "file_store_path",
            "erp_server_url",
            "rpo_minutes",
            "rto_minutes",
            "windows",
            "description",
        ]
        if obj is None:
            return [(None, {"fields": [*settings_fields, "verify"]})]
        return [
            (
                _("Facts"),
                {
                    "fields": [
                        "reachable_text",
                        "last_checked",
                        "last_check_error",
                        "facts_panel",
                        "recent_jobs",
                    ]
                },
            ),
            (
                _("Settings"),
                {"fields": ["database_url_masked", "database_engine", *settings_fields]},
            ),
        ]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        target = self.get_object(request, object_id) if object_id else None
        if target is not None:
            panels = [load(spec)(request, target) for spec in collect("target_panels")]
            panels = [panel for panel in panels if panel is not None]
            extra_context.update({panel.name: panel.context for panel in panels})
            extra_context["target_panel_templates"] = [panel.template for panel in panels]
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("kind")
        return fields

    def save_through_service(self, request, obj, form, change):
        saved = services.save_prepared(form.prepared)
        form.instance = saved
        return saved

    def get_actions(self, request):
        # One target at a time, through the page that asks what to do with its backups.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_deleted_objects(self, objs, request):
        # What goes with a target (its backup policy, windows, alert rules) goes through
        # remove_target, not through those rows' own pages, some of which allow no deletion:
        # whoever may remove the target may remove them with it.
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_view(self, request, object_id, extra_context=None):
        """The confirmation asks whether to keep the target's backups (the default) or delete
        them. The removal runs outside the admin's transaction: deleted backup objects are gone
        from storage whatever happens, so their rows must say so even if the removal fails."""
        target = self.get_object(request, unquote(object_id))
        if target is None or not self.has_delete_permission(request, target):
            return super().delete_view(request, object_id, extra_context)
        if request.method == "POST" and request.POST.get("post"):
            return self._remove(request, target)
        extra_context = {
            **(extra_context or {}),
            # The reverse relation of backups' Backup.target: counted without importing it.
            "backups_held": target.backups.filter(status="succeeded").count(),
        }
        return super().delete_view(request, object_id, extra_context)

    def _remove(self, request, target):
        delete_backups = request.POST.get("backups") == "delete"
        try:
            summary = services.remove_target(target, delete_backups=delete_backups)
        except services.TargetRemovalFailed as exc:
            messages.error(request, str(exc))
            return redirect(reverse("admin:targets_target_change", args=[target.pk]))
        messages.success(request, removal_message(summary))
        return redirect(reverse("admin:targets_target_changelist"))

    @display(
        description=_("Environment"),
        label={"production": "danger", "staging": "warning", "test": "info"},
    )
    def environment_badge(self, obj):
        return obj.environment, obj.get_environment_display()

    @display(
        description=_("Reachable"), label={"yes": "success", "no": "danger", "unknown": "info"}
    )
    def reachable_badge(self, obj):
        state = {True: "yes", False: "no", None: "unknown"}[obj.last_check_ok]
        return state, self.reachable_text(obj)

    @display(description=_("ERP version"))
    def erp_version(self, obj):
        return (obj.facts or {}).get("erp_version", "")

    @display(description=_("What the last check found"))
    def facts_panel(self, obj):
        facts = obj.facts or {}
        context = {"facts": facts, "counts": count_rows(facts.get("counts") or {})}
        return render_to_string("targets/facts_panel.html", context)

    @display(description=_("Recent jobs"))
    def recent_jobs(self, obj):
        jobs = obj.jobs.order_by("-created")[:10]
        return render_to_string("targets/recent_jobs.html", {"jobs": jobs})

    @display(description=_("Reachable"))
    def reachable_text(self, obj):
        labels = {True: _("Reachable"), False: _("Unreachable"), None: _("Not checked")}
        return labels[obj.last_check_ok]

    @action(description=_("Check now"), icon="network_check", permissions=["check"])
    def check_now(self, request, object_id):
        target = Target.objects.get(pk=object_id)
        self._report(request, services.check_target(target))
        return redirect(reverse("admin:targets_target_change", args=[object_id]))

    @action(description=_("Check"), icon="network_check", permissions=["check"])
    def check_row(self, request, object_id):
        target = Target.objects.get(pk=object_id)
        self._report(request, services.check_target(target))
        return redirect(reverse("admin:targets_target_changelist"))

    def has_check_permission(self, request, object_id=None):
        return request.user.has_perm("targets.view_target")

    def _report(self, request, result):
        if result.ok:
            messages.success(request, _("%(name)s is reachable.") % {"name": result.target})
        else:
            messages.error(
                request, _("%(name)s: %(reason)s") % {"name": result.target, "reason": result.error}
            )


def removal_message(summary: dict) -> str:
    text = _("Target %(name)s removed; the ERP itself was not touched.") % {
        "name": summary["removed"]
    }
    if summary.get("backups_deleted"):
        text += " " + _("%(count)d backups deleted.") % {"count": summary["backups_deleted"]}
    if summary.get("backups_kept"):
        text += " " + _(
            "%(count)d backups kept: they stay under Backups, restorable into a new database."
        ) % {"count": summary["backups_kept"]}
    return str(text)
