"""``{% portal_announcements %}``: the current announcements for portal users as banners, in
the reader's language (the portal's base template shows them on every page)."""

from django import template
from django.utils.translation import get_language

from erpkeeper.accounts.teams.services import portal_announcements as current

register = template.Library()


@register.inclusion_tag("accounts/teams/portal_banner.html")
def portal_announcements():
    language = get_language() or ""
    return {
        "announcements": [
            {
                "level": announcement.level,
                "title": announcement.title_in(language),
                "text": announcement.text_in(language),
            }
            for announcement in current()
        ]
    }
