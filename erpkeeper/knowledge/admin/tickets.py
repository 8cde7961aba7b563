"""The desk's ticket list gets one action from the knowledge base: a resolved ticket becomes
a draft article. The desk imports nothing of the knowledge base; this module registers the
action with the desk's ticket admin (``register_list_action``)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erpkeeper.knowledge import services
from erpkeeper.lib.cli import validation_text
from erpkeeper.servicedesk.admin.tickets import register_list_action


@admin.action(description=gettext_lazy("Write a knowledge article from each ticket"))
def write_article(model_admin, request, queryset):
    if not request.user.has_perm("knowledge.add_article"):
        model_admin.message_user(request, _("You may not write articles."), messages.ERROR)
        return
    for ticket in queryset:
        try:
            article = services.article_from_ticket(ticket, actor=request.user)
        except ValidationError as exc:
            model_admin.message_user(
                request, f"{ticket.number}: {validation_text(exc)}", messages.WARNING
            )
            continue
        url = reverse("admin:knowledge_article_change", args=[article.pk])
        model_admin.message_user(
            request,
            format_html('{}: <a href="{}">{}</a>', ticket.number, url, _("draft article written")),
            messages.SUCCESS,
        )


register_list_action(write_article)
