"""Chart pages and their JSON, under /monitoring/charts/ (the console's login applies)."""

from django.contrib import admin
from django.urls import path

from erpkeeper.monitoring import views

urlpatterns = [
    path("data/", admin.site.admin_view(views.chart_data), name="monitoring-chart-data"),
    path("host/<int:pk>/", admin.site.admin_view(views.host_charts), name="monitoring-host-charts"),
    path(
        "target/<int:pk>/",
        admin.site.admin_view(views.target_charts),
        name="monitoring-target-charts",
    ),
]
