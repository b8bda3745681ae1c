"""Application configuration owned by the project package."""

from importlib import import_module

from django.apps import apps
from django.contrib.admin.apps import SimpleAdminConfig
from django.utils.module_loading import module_has_submodule


class HeritageAdminConfig(SimpleAdminConfig):
    """Django's admin with autodiscovery that skips apps whose admin module
    needs GeoDjango.

    django-leaflet is installed for its template tags and bundled Leaflet assets
    (public maps). Its ``leaflet.admin`` module imports GeoDjango form widgets,
    which load the GDAL C library at import time; the registry stores plain
    latitude/longitude and does not need GDAL, so that module is not imported.
    Every other app's ``admin`` module is discovered exactly as by
    ``django.contrib.admin.autodiscover()``.
    """

    skip_admin_modules = frozenset({"leaflet"})

    def ready(self):
        super().ready()
        for app_config in apps.get_app_configs():
            if app_config.name in self.skip_admin_modules:
                continue
            if module_has_submodule(app_config.module, "admin"):
                import_module(f"{app_config.name}.admin")
