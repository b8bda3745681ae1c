"""Top-level URL configuration.

The registry app owns the public pages (``registry.urls``) and the partner API
(``registry.api.urls``, mounted under /api/); this module only wires them up next
to the admin and the language switcher.
"""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("registry.api.urls")),
    path("", include("registry.urls")),
]
