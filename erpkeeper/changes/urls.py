"""Console pages of the changes app outside the model admins, under /changes/."""

from django.contrib import admin
from django.urls import path

from erpkeeper.changes import views

urlpatterns = [
    path("calendar/", admin.site.admin_view(views.calendar_page), name="changes-calendar"),
    path(
        "calendar.ics",
        admin.site.admin_view(views.calendar_ics),
        name="changes-calendar-ics-console",
    ),
    path("metrics/", admin.site.admin_view(views.metrics_page), name="changes-metrics"),
    path(
        "versions/<int:pk>/",
        admin.site.admin_view(views.versions_page),
        name="changes-versions",
    ),
]
