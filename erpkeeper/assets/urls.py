"""Console pages of assets, mounted at /assets/ (``console_urls``; the console's login applies)."""

from django.contrib import admin
from django.urls import path

from erpkeeper.assets import views

urlpatterns = [
    path("import/", admin.site.admin_view(views.import_view), name="assets-import"),
    path("export/", admin.site.admin_view(views.export_view), name="assets-export"),
    path(
        "inspections/<int:pk>/record/",
        admin.site.admin_view(views.record_inspection_view),
        name="assets-inspection-record",
    ),
]
