"""The filters of the audit trail's list and export, for the API and the CLI (see
lib/filters.py)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter, ChoiceFilter, FilterSet

from erpkeeper.core.models import AuditEntry
from erpkeeper.lib.filters import MAX_ID, DateOrTimeFilter

# Where a change came from (AuditContext.source).
SOURCES = [(source, source) for source in ("console", "api", "portal", "cli", "job", "system")]


class AuditEntryFilterSet(FilterSet):
    actor = CharFilter(
        method="filter_actor",
        help_text=_("user name (any case) or user id, e.g. alice, cli:root, system:backup.run"),
    )
    action = ChoiceFilter(
        choices=AuditEntry.Action.choices,
        help_text=_("what was done to the object"),
        error_messages={
            "invalid_choice": _("unknown action %(value)s (create, update or delete)"),
        },
    )
    object_type = CharFilter(
        method="filter_object_type", help_text=_("app_label.model, e.g. targets.target")
    )
    object_id = CharFilter(help_text=_("the changed object's id"))
    source = ChoiceFilter(choices=SOURCES, help_text=_("where the change came from"))
    request_id = CharFilter(help_text=_("every change of one request, command or job"))
    since = DateOrTimeFilter(
        field_name="time", lookup_expr="gte", help_text=_("ISO date or date-time (inclusive)")
    )
    until = DateOrTimeFilter(
        field_name="time",
        lookup_expr="lt",
        end_of_day=True,
        help_text=_("ISO date (the whole day included) or date-time"),
    )

    class Meta:
        model = AuditEntry
        fields = [
            "actor",
            "action",
            "object_type",
            "object_id",
            "source",
            "request_id",
            "since",
            "until",
        ]

    def filter_actor(self, queryset, name, value):
        match = Q(actor_name__iexact=value)
        if value.isascii() and value.isdigit() and int(value) <= MAX_ID:  # bigger: a name
            match |= Q(actor_id=int(value))
        return queryset.filter(match)

    def filter_object_type(self, queryset, name, value):
        return queryset.filter(object_type=value.lower())
