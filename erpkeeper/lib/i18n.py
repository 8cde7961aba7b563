"""Translation that also works in code used outside a configured Django (e.g. the adapters)."""

from django.apps import apps
from django.conf import settings
from django.utils.translation import gettext as django_gettext


def gettext(message: str) -> str:
    """Django's gettext in the active language when settings are configured, else ``message``."""
    if not (settings.configured and apps.ready):
        return message
    return django_gettext(message)
