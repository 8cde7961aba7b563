"""Saved filters of the ticket list: a name and a query in the parameters of ``TicketFilterSet``
(``active=true&priority=p1,p2&queue=Helpdesk``), the owner's own or shared with the desk. The
console, the API (``?saved=``) and the CLI (``--saved``) apply them with the same FilterSet.

A query is checked when it is saved; one that no longer passes (a status renamed, a filter
removed) is refused when used, with a message naming the filter and what is wrong.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext as _

from erpkeeper.lib.cli import validation_text
from erpkeeper.servicedesk.filters import TicketFilterSet
from erpkeeper.servicedesk.models import SavedFilter, Ticket

MAX_QUERY = 1000


class SavedFilterError(ValidationError):
    """No such saved filter for this user, or one whose query no longer works."""


def parse_query(query: str) -> QueryDict:
    return QueryDict(str(query).strip().lstrip("?"))


def query_problems(query: str) -> str | None:
    """Why ``query`` is not a query of the ticket list, or None."""
    data = parse_query(query)
    unknown = sorted(set(data) - set(TicketFilterSet.base_filters))
    if unknown:
        return _("Unknown filters: %(names)s; use %(known)s.") % {
            "names": ", ".join(unknown),
            "known": ", ".join(TicketFilterSet.base_filters),
        }
    filterset = TicketFilterSet(data=data, queryset=Ticket.objects.none())
    if not filterset.is_valid():
        return validation_text(ValidationError(filterset.errors.as_data()))
    return None


def save_filter(
    *, owner, name: str, query: str, shared: bool = False, instance: SavedFilter | None = None
) -> SavedFilter:
    """Save the owner's filter under ``name`` (one of that name already there is replaced), or
    change ``instance`` (its name must not be another of the owner's filters)."""
    name, query = " ".join(str(name).split()), str(query).strip().lstrip("?")
    errors = {}
    if not name:
        errors["name"] = [_("Name the filter.")]
    elif len(name) > 100:
        errors["name"] = [_("Keep the name under 100 characters.")]
    if len(query) > MAX_QUERY:
        errors["query"] = [_("The query is too long.")]
    else:
        problem = query_problems(query)
        if problem:
            errors["query"] = [problem]
    clash = SavedFilter.objects.filter(owner=owner, name=name)
    if instance is not None and clash.exclude(pk=instance.pk).exists():
        errors["name"] = [_("You have another filter of this name.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        saved = instance or clash.first() or SavedFilter(owner=owner)
        saved.name = name
        saved.query, saved.shared = query, bool(shared)
        saved.save()
    return saved


def visible_filters(user):
    """The user's own filters and those shared with the desk."""
    if user is None:
        return SavedFilter.objects.filter(shared=True)
    return SavedFilter.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")


def find_saved_filter(user, key: str) -> SavedFilter:
    """A filter the user may use, by id or name (their own first, then a shared one)."""
    key = str(key).strip()
    filters = visible_filters(user)
    found = None
    if key.isascii() and key.isdigit() and len(key) < 19:
        found = filters.filter(pk=int(key)).first()
    if found is None:
        named = list(filters.filter(name=key).order_by("pk"))
        own = [f for f in named if user is not None and f.owner_id == user.pk]
        found = (own or named or [None])[0]
    if found is None:
        raise SavedFilterError(
            {"saved": [_("No saved filter %(name)s.") % {"name": key}]}, code="not_found"
        )
    return found


def apply_saved_filter(saved: SavedFilter, queryset, given=None):
    """``queryset`` filtered by the saved query; parameters in ``given`` (other than
    ``saved``) add to it or replace its own."""
    data = parse_query(saved.query).copy()
    for name, value in (given or {}).items():
        if name != "saved" and name in TicketFilterSet.base_filters:
            data[name] = value
    problem = query_problems(data.urlencode())
    if problem:
        raise SavedFilterError(
            {
                "saved": [
                    _("The saved filter %(name)s no longer works: %(problem)s Edit or delete it.")
                    % {"name": saved.name, "problem": problem}
                ]
            },
            code="invalid",
        )
    return TicketFilterSet(data=data, queryset=queryset).qs
