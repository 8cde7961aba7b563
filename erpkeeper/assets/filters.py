"""The filters of the asset list, for the API, its schema and the CLI (see lib/filters.py)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter, FilterSet

from erpkeeper.assets.models import Asset, AssetKind, AssetStatus
from erpkeeper.lib.filters import CommaChoiceFilter, IdOrNameFilter


class AssetFilterSet(FilterSet):
    kind = CommaChoiceFilter(choices=AssetKind.choices, help_text=_("e.g. server,storage"))
    status = CommaChoiceFilter(choices=AssetStatus.choices, help_text=_("e.g. in_use,spare"))
    site = IdOrNameFilter(help_text=_("the site's id or name"))
    q = CharFilter(method="search", help_text=_("words in the name, vendor, model or serial"))

    class Meta:
        model = Asset
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()[:100]
        return queryset.filter(
            Q(name__icontains=value)
            | Q(vendor__icontains=value)
            | Q(model__icontains=value)
            | Q(serial_number__icontains=value)
        )
