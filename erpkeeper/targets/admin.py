"""Console pages for targets: list, add, edit, facts, a "check now" button, and above the form
the backups panel (chart, storage, schedule, newest backup and drill, buttons) and the
monitoring panel (latest values, open alerts, disk and database forecast, link to the charts)."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from erpkeeper.alerts.admin.panel import target_monitoring_context
from erpkeeper.backups.admin.panel import target_panel_context
from erpkeeper.targets import services
from erpkeeper.targets.facts import count_rows
from erpkeeper.targets.forms import TargetForm
from erpkeeper.targets.models import Target


@admin.register(Target)
class TargetAdmin(ModelAdmin):
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
        if target is not None and request.user.has_perm("backups.view_backup"):
            extra_context["backup_panel"] = target_panel_context(request, target)
        if target is not None and request.user.has_perm("monitoring.view_series"):
            extra_context["monitoring_panel"] = target_monitoring_context(request, target)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("kind")
        return fields

    def save_model(self, request, obj, form, change):
        saved = services.save_prepared(form.prepared)
        form.instance = saved
        # The service saved its own instance (form.prepared.target), not ``obj``; the admin
        # goes on with ``obj`` for the success message, the history entry and the redirect.
        vars(obj).update(vars(saved))

    def delete_model(self, request, obj):
        services.remove_target(obj)

    def delete_queryset(self, request, queryset):
        for target in queryset:
            services.remove_target(target)

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
