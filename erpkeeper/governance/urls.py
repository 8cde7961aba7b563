"""Console pages of governance, mounted at /governance/ (``console_urls``)."""

from django.urls import include, path

urlpatterns = [
    path("compliance/", include("erpkeeper.governance.compliance.urls")),
    path("privacy/", include("erpkeeper.governance.privacy.urls")),
]
