"""URL roots: the API, its schema, the console and each app's pages."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny, IsAuthenticated

from erpkeeper.lib.admin_export import export_xlsx
from erpkeeper.lib.api_fallback import api_fallback
from erpkeeper.lib.plugins import erpkeeper_apps

# The console's home is the dashboard, not Django's "Site administration".
admin.site.index_title = _("Dashboard")
# Every list of every app, those to come included, exports to XLSX (here: unfold's site exists
# only once every app is ready).
admin.site.add_action(export_xlsx)


def _schema_view(view_class, **kwargs):
    """The schema and its UIs are open to anyone only when ERPKEEPER_API_SCHEMA_PUBLIC is set
    (read per request). Otherwise the schema answers 401/403 JSON and a UI sends the visitor to
    sign in first."""
    public = view_class.as_view(permission_classes=[AllowAny], **kwargs)
    private = view_class.as_view(permission_classes=[IsAuthenticated], **kwargs)
    signed_in = login_required(private) if view_class is not SpectacularAPIView else private

    def view(request, *args, **kw):
        chosen = public if settings.ERPKEEPER_API_SCHEMA_PUBLIC else signed_in
        return chosen(request, *args, **kw)

    return view


urlpatterns = [
    path("api/v1/", include("erpkeeper.api_urls")),
    path("api/schema/", _schema_view(SpectacularAPIView), name="schema"),
    path(
        "api/schema/ui/", _schema_view(SpectacularSwaggerView, url_name="schema"), name="swagger-ui"
    ),
    path("api/schema/redoc/", _schema_view(SpectacularRedocView, url_name="schema"), name="redoc"),
    re_path(r"^api(?:/(?P<rest>.*))?$", api_fallback),
    path("i18n/", include("erpkeeper.accounts.urls")),
    path("account/", include("erpkeeper.accounts.account_urls")),  # own two-factor pages
    path("portal/help/", include("erpkeeper.knowledge.portal.urls")),  # knowledge base
    path("portal/", include("erpkeeper.servicedesk.portal.urls")),  # ERP end users' help desk
    path("", include("erpkeeper.core.urls")),
    path("", include("erpkeeper.monitoring.prometheus")),  # /metrics
    path("monitoring/charts/", include("erpkeeper.monitoring.urls")),  # console charts
    path("performance/", include("erpkeeper.performance.urls")),  # capacity pages
    # Each app's own console pages (``console_urls`` on its AppConfig), at /<label>/.
    *(
        path(f"{config.label}/", include(config.console_urls))
        for config in erpkeeper_apps()
        if config.console_urls
    ),
    path("", admin.site.urls),
]
