"""The console's shell: django-unfold settings. The sidebar and the dashboard are built from
what the apps declare on their AppConfig (erpkeeper.lib.plugins); nothing here names an app.

settings.py imports ``UNFOLD`` from here before the apps load: keep this module free of models.
"""

from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

UNFOLD = {
    "SITE_TITLE": _("ERPKeeper"),
    "SITE_HEADER": _("ERPKeeper"),
    "SITE_SUBHEADER": _("ERP operations"),
    "SITE_SYMBOL": "health_and_safety",
    # The console is the whole site: unfold's default ("/") added "View site" and "Return to
    # site" links that led back to the dashboard or the sign-in page.
    "SITE_URL": None,
    "SHOW_LANGUAGES": True,
    "SHOW_HISTORY": False,
    "SHOW_VIEW_ON_SITE": False,
    # Without an icon link every page load asked for /favicon.ico and logged a 404.
    "SITE_FAVICONS": [
        {
            "rel": "icon",
            "type": "image/svg+xml",
            "href": lambda request: static("console/favicon.svg"),
        }
    ],
    # The utilities unfold's prebuilt stylesheet lacks, and the console's layout rules.
    "STYLES": [lambda request: static("console/console.css")],
    # The user menu: unfold shows only "Change password" unless given a list.
    "ACCOUNT": {
        "navigation": [
            {"title": _("Two-factor authentication"), "link": reverse_lazy("accounts-two-factor")},
            {"title": _("Change password"), "link": reverse_lazy("admin:password_change")},
        ]
    },
    "DASHBOARD_CALLBACK": "erpkeeper.console.dashboard.dashboard_callback",
    "COMMAND": {"search_models": True, "show_history": False},
    "SIDEBAR": {
        "show_search": True,
        "command_search": True,
        "show_all_applications": False,
        "navigation": "erpkeeper.console.navigation.sidebar",
    },
}
