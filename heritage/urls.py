"""Top-level URL configuration.

The registry app owns the public pages (``registry.urls``) and the partner API
(``registry.api.urls``, mounted under /api/); this module only wires them up next
to the admin and the language switcher.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("registry.api.urls")),
    path("", include("registry.urls")),
]

if settings.MEDIA_SERVE and settings.MEDIA_URL.startswith("/"):
    # Images on local disk, when no web server in front serves MEDIA_ROOT (see docs/deploy.md).
    # Only the registry's own stripped copies live there; their names are random.
    def serve_media(request, path):
        return serve(request, path, document_root=settings.MEDIA_ROOT)

    urlpatterns.insert(0, re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.+)$", serve_media))
