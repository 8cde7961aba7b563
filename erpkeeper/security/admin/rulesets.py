"""SoD rule sets (YAML checked on save: each problem one line under the text), mitigating
controls and accepted exceptions in the console."""

from __future__ import annotations

from django.contrib import admin
from unfold.admin import ModelAdmin

from erpkeeper.lib.admin import ServiceSaveMixin
from erpkeeper.security import services
from erpkeeper.security.models import AcceptedException, MitigatingControl, RuleSet


@admin.register(RuleSet)
class RuleSetAdmin(ServiceSaveMixin, ModelAdmin):
    list_display = ["name", "version", "erp_kind", "active", "updated"]
    readonly_fields = ["version", "erp_kind", "updated"]
    fields = ["name", "text", "active", "version", "erp_kind", "updated"]

    def get_changeform_initial_data(self, request):
        # a new rule set starts from the shipped one, the usual starting point for edits
        return {"text": services.shipped_ruleset_text(), "name": "tryton-standard"}

    def save_through_service(self, request, obj, form, change):
        # the form's clean() already validated the text; the service stores it, keeps a newer
        # version only and leaves one active rule set per ERP kind
        row, _created = services.load_ruleset(obj.text, obj.name, activate=obj.active)
        return row


@admin.register(MitigatingControl)
class MitigatingControlAdmin(ModelAdmin):
    list_display = ["risk", "target", "login", "owner", "frequency", "expires"]
    list_filter = ["frequency", "risk"]
    search_fields = ["risk", "login", "owner", "description"]


@admin.register(AcceptedException)
class AcceptedExceptionAdmin(ModelAdmin):
    list_display = ["risk", "target", "login", "accepted_by", "expires"]
    list_filter = ["risk"]
    search_fields = ["risk", "login", "reason"]
