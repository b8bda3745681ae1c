"""Only the admin, for admin tests that must not depend on the public pages' URLs."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
