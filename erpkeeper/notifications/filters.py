"""The filters of the delivery list, for the API and the CLI (see lib/filters.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import FilterSet

from erpkeeper.lib.filters import IdFilter, IdOrNameFilter, TrueFalseFilter
from erpkeeper.notifications.models import Delivery


class DeliveryFilterSet(FilterSet):
    channel = IdOrNameFilter(help_text=_("the channel's id or name"))
    ok = TrueFalseFilter(help_text=_("true: delivered; false: failed"))
    message = IdFilter(help_text=_("the notification's id (outbox message)"))

    class Meta:
        model = Delivery
        fields = ["channel", "ok", "message"]
