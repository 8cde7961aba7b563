"""The filters of the ticket list, for the API, its schema and the CLI (see lib/filters.py)."""

from __future__ import annotations

import re

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter, ChoiceFilter, FilterSet, OrderingFilter

from erpkeeper.lib.filters import CommaChoiceFilter, IdOrNameFilter, TrueFalseFilter
from erpkeeper.servicedesk.models import (
    ACTIVE_STATUSES,
    Priority,
    Problem,
    ProblemStatus,
    SlaStatus,
    Ticket,
    TicketCategory,
    TicketKind,
    TicketStatus,
)

NUMBER_START = re.compile(r"^[A-Za-z]+-\d{4}-\d+$")


class TicketFilterSet(FilterSet):
    status = CommaChoiceFilter(
        choices=TicketStatus.choices, help_text=_("one status or several, e.g. new,open")
    )
    active = TrueFalseFilter(
        method="filter_active", help_text=_("true: new, open or waiting; false: the others")
    )
    priority = CommaChoiceFilter(choices=Priority.choices, help_text=_("e.g. p1,p2"))
    sla = CommaChoiceFilter(
        field_name="sla_status",
        choices=[c for c in SlaStatus.choices if c[0]],
        help_text=_("the running clock's state, e.g. warning,breached"),
    )
    kind = ChoiceFilter(choices=TicketKind.choices, help_text=_("request or incident"))
    category = ChoiceFilter(choices=TicketCategory.choices, help_text=_("the ticket's category"))
    queue = IdOrNameFilter(help_text=_("the queue's id or name"))
    assignee = IdOrNameFilter(name_field="username", help_text=_("the agent's id or user name"))
    unassigned = TrueFalseFilter(
        field_name="assignee", lookup_expr="isnull", help_text=_("true: assigned to nobody")
    )
    target = IdOrNameFilter(help_text=_("the affected target's id or name"))
    erp_module = CharFilter(help_text=_("the ERP module, e.g. sale"))
    search = CharFilter(method="filter_search", help_text=_("words in the number or subject"))
    ordering = OrderingFilter(
        # "number" sorts by creation: numbers as text put ERP-2026-1000000 before 999999.
        fields=(
            ("priority", "priority"),
            ("created", "created"),
            ("updated", "updated"),
            ("id", "number"),
        ),
        help_text=_("priority, created, updated or number; a leading - reverses"),
    )

    class Meta:
        model = Ticket
        fields = [
            "status",
            "active",
            "priority",
            "sla",
            "kind",
            "category",
            "queue",
            "assignee",
            "unassigned",
            "target",
            "erp_module",
            "search",
            "ordering",
        ]

    def filter_active(self, queryset, name, value):
        return (
            queryset.filter(status__in=ACTIVE_STATUSES)
            if value
            else queryset.exclude(status__in=ACTIVE_STATUSES)
        )

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if NUMBER_START.match(value):
            # A ticket number (or its start): a range on the unique index, not a scan.
            upper = value.upper()
            return queryset.filter(number__gte=upper, number__lt=upper + "\uffff")
        return queryset.filter(Q(number__icontains=value) | Q(subject__icontains=value))


class ProblemFilterSet(FilterSet):
    status = CommaChoiceFilter(
        choices=ProblemStatus.choices, help_text=_("one status or several, e.g. new,known_error")
    )
    active = TrueFalseFilter(
        method="filter_active", help_text=_("true: not yet resolved or closed; false: the others")
    )
    target = IdOrNameFilter(field_name="targets", help_text=_("an affected target's id or name"))
    owner = IdOrNameFilter(name_field="username", help_text=_("the owner's id or user name"))
    search = CharFilter(method="filter_search", help_text=_("words in the number or title"))

    class Meta:
        model = Problem
        fields = ["status", "active", "target", "owner", "search"]

    def filter_active(self, queryset, name, value):
        final = (ProblemStatus.RESOLVED, ProblemStatus.CLOSED)
        return queryset.exclude(status__in=final) if value else queryset.filter(status__in=final)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value)).distinct()
