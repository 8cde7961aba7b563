"""Console pages of the performance app outside the model admin, under /performance/."""

from django.contrib import admin
from django.urls import path

from erpkeeper.performance import capacity_views

urlpatterns = [
    path(
        "capacity/",
        admin.site.admin_view(capacity_views.capacity_index),
        name="performance-capacity-index",
    ),
    path(
        "capacity/<int:pk>/",
        admin.site.admin_view(capacity_views.capacity_page),
        name="performance-capacity",
    ),
    path(
        "capacity/<int:pk>/pdf/",
        admin.site.admin_view(capacity_views.capacity_pdf),
        name="performance-capacity-pdf",
    ),
]
