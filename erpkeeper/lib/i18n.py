"""Translation that also works in code used outside a configured Django (e.g. the adapters)."""


def gettext(message: str) -> str:
    """Django's gettext in the active language when settings are configured, else ``message``."""
    from django.apps import apps
    from django.conf import settings

    if not (settings.configured and apps.ready):
        return message
    from django.utils.translation import gettext as django_gettext

    return django_gettext(message)
