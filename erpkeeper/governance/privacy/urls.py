"""Console pages of governance.privacy (under /governance/privacy/)."""

from django.contrib import admin
from django.urls import path

from erpkeeper.governance.privacy import views

urlpatterns = [
    path("map/", admin.site.admin_view(views.map_index), name="governance-privacy-maps"),
    path(
        "map/<int:target_id>/",
        admin.site.admin_view(views.map_page),
        name="governance-privacy-map",
    ),
    path(
        "map/<int:target_id>/pdf/",
        admin.site.admin_view(views.map_pdf),
        name="governance-privacy-map-pdf",
    ),
]
