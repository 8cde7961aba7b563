"""Mounted at /i18n/ in place of django.conf.urls.i18n (same URL name, ``set_language``)."""

from django.urls import path

from erpkeeper.accounts.views import set_language

urlpatterns = [path("setlang/", set_language, name="set_language")]
