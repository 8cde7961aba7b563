from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

admin.site.site_url = None
admin.site.index_title = _("Dashboard")

urlpatterns = [
    path("api/v1/", include("erpkeeper.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/schema/ui/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/schema/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("i18n/", include("erpkeeper.accounts.urls")),
    path("", include("erpkeeper.core.urls")),
    path("", include("erpkeeper.monitoring.prometheus")),  # /metrics
    path("monitoring/charts/", include("erpkeeper.monitoring.urls")),  # console charts
    path("", admin.site.urls),
]
