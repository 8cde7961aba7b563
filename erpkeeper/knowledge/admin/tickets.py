"""The desk's ticket list gets one action from the knowledge base: a resolved ticket becomes
a draft article. The desk imports nothing of the knowledge base; this module (loaded after the
desk's admin, INSTALLED_APPS order) adds the action to the registered ticket admin."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erpkeeper.knowledge import services
from erpkeeper.lib.cli import validation_text
from erpkeeper.servicedesk.models import Ticket


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


def add_ticket_action() -> None:
    ticket_admin = admin.site._registry.get(Ticket)
    if ticket_admin is not None and write_article not in ticket_admin.actions:
        ticket_admin.actions = [*ticket_admin.actions, write_article]


add_ticket_action()
