"""Saved filters on the console's ticket list: the "Saved filters" box (links, "Save this
filter"), ``?saved=<id>`` applying one with the same FilterSet as the API and the CLI, and a page
to rename, share or delete them.

The list's own filters are the admin's (``status__exact=new``, ``mine=me``…); saving turns them
into the FilterSet's parameters (``status=new``, ``assignee=helen``), the one stored form."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from erpkeeper.lib.admin import ServiceSaveMixin, navigate
from erpkeeper.lib.cli import validation_text
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.admin.forms import SaveFilterForm
from erpkeeper.servicedesk.models import SavedFilter

# The console list's parameters -> the FilterSet's.
CONSOLE_TO_QUERY = {
    "status__exact": "status",
    "priority__exact": "priority",
    "sla_status__exact": "sla",
    "kind__exact": "kind",
    "category__exact": "category",
    "queue__id__exact": "queue",
    "target__id__exact": "target",
    "q": "search",
}
ACTIVE_TO_QUERY = {"yes": "true", "no": "false"}


def query_from_console(params: QueryDict, user) -> str:
    """The FilterSet query for what the console list shows (its default: active tickets)."""
    query = QueryDict(mutable=True)
    active = ACTIVE_TO_QUERY.get(params.get("active") or "yes")
    if active:
        query["active"] = active
    for console_name, name in CONSOLE_TO_QUERY.items():
        if params.get(console_name):
            query[name] = params[console_name]
    if params.get("mine") == "me":
        query["assignee"] = user.get_username()
    elif params.get("mine") == "nobody":
        query["unassigned"] = "true"
    return query.urlencode()


class SavedFiltersMixin:
    """For the ticket list's ModelAdmin."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("save-filter/", wrap(self.save_filter_view), name="servicedesk_ticket_savefilter"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        key = request.GET.get("saved")
        if key is not None:
            try:
                request.servicedesk_saved = services.find_saved_filter(request.user, key)
                services.apply_saved_filter(request.servicedesk_saved, self.model.objects.none())
            except ValidationError as exc:
                messages.error(request, validation_text(exc))
                return navigate(request, reverse("admin:servicedesk_ticket_changelist"))
            request.GET = request.GET.copy()
            del request.GET["saved"]  # not one of the list's own filters
        extra_context = {**(extra_context or {}), **self._saved_filters_context(request)}
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        saved = getattr(request, "servicedesk_saved", None)
        return services.apply_saved_filter(saved, queryset) if saved else queryset

    def _saved_filters_context(self, request) -> dict:
        base = reverse("admin:servicedesk_ticket_changelist")
        saved = getattr(request, "servicedesk_saved", None)
        links = [
            {
                "filter": each,
                "url": f"{base}?{urlencode({'saved': each.pk, 'active': 'all'})}",
                "current": saved is not None and saved.pk == each.pk,
            }
            for each in services.visible_filters(request.user)
        ]
        query = saved.query if saved else query_from_console(request.GET, request.user)
        return {
            "saved_filters": links,
            "save_filter_form": SaveFilterForm(initial={"query": query}),
            "save_filter_url": reverse("admin:servicedesk_ticket_savefilter"),
            "may_save_filter": request.user.has_perm("servicedesk.add_savedfilter"),
            "manage_filters_url": reverse("admin:servicedesk_savedfilter_changelist"),
        }

    def save_filter_view(self, request):
        if request.method != "POST" or not request.user.has_perm("servicedesk.add_savedfilter"):
            raise PermissionDenied
        form = SaveFilterForm(request.POST)
        back = reverse("admin:servicedesk_ticket_changelist")
        if not form.is_valid():
            messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
            return navigate(request, back)
        data = form.cleaned_data
        try:
            saved = services.save_filter(
                owner=request.user, name=data["name"], query=data["query"], shared=data["shared"]
            )
        except ValidationError as exc:
            messages.error(request, validation_text(exc))
            return navigate(request, back)
        messages.success(request, _("Filter %(name)s saved.") % {"name": saved.name})
        return navigate(request, f"{back}?{urlencode({'saved': saved.pk, 'active': 'all'})}")


class SavedFilterForm(forms.ModelForm):
    class Meta:
        model = SavedFilter
        fields = ["name", "query", "shared"]


@admin.register(SavedFilter)
class SavedFilterAdmin(ServiceSaveMixin, ModelAdmin):
    """One's own filters and those shared with the desk; only the owner changes or deletes."""

    form = SavedFilterForm
    list_display = ["name", "query", "shared", "owner", "updated"]
    list_filter = ["shared"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return services.visible_filters(request.user)

    def has_add_permission(self, request):
        return False  # saved from the ticket list ("Save this filter")

    def has_change_permission(self, request, obj=None):
        mine = obj is None or obj.owner_id == request.user.pk
        return mine and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        mine = obj is None or obj.owner_id == request.user.pk
        return mine and super().has_delete_permission(request, obj)

    def save_through_service(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            return services.save_filter(
                owner=request.user,
                name=data["name"],
                query=data["query"],
                shared=data["shared"],
                instance=SavedFilter.objects.get(pk=obj.pk) if change else None,
            )
        except ValidationError as exc:
            raise PermissionDenied(validation_text(exc)) from None
