"""The sign-in history in the console: read-only evidence."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from erpkeeper.accounts.models import LoginRecord
from erpkeeper.lib.admin import EvidenceAdminMixin, mark

BROWSER_SHOWN = 40  # characters of a user agent in the list; the whole one in its tooltip


@admin.register(LoginRecord)
class LoginRecordAdmin(EvidenceAdminMixin, ModelAdmin):
    """Every step of every sign-in: read-only, kept for ERPKEEPER_KEEP_HISTORY_DAYS."""

    list_display = [
        "time",
        "username",
        "user_link",
        "method",
        "success_mark",
        "address",
        "browser",
    ]
    list_filter = ["success", "method", ("user", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["username", "address", "user_agent"]
    date_hierarchy = "time"
    fields = ["time", "username", "user", "method", "success", "address", "user_agent"]
    readonly_fields = fields

    @display(description=_("User"), ordering="user__username")
    def user_link(self, obj):
        if obj.user_id is None:
            return _("(no such user)")
        url = reverse("admin:auth_user_change", args=[obj.user_id])
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, obj.user)

    @display(description=_("Success"), ordering="success")
    def success_mark(self, obj):
        return mark(obj.success)

    @display(description=_("Browser"))
    def browser(self, obj):
        agent = obj.user_agent or "–"
        short = agent if len(agent) <= BROWSER_SHOWN else agent[: BROWSER_SHOWN - 1] + "…"
        return format_html('<span title="{}">{}</span>', agent, short)


# --- signing in and one's own password -------------------------------------------------------
