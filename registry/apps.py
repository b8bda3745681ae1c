from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    default = True
    name = "registry"
    verbose_name = _("Heritage damage registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.backends.signals import connection_created

        from registry.selectors.search import install_sqlite_fold

        from . import condition_entries, signals  # noqa: F401  (connect the entries' upkeep, the login log)

        connection_created.connect(install_sqlite_fold, dispatch_uid="registry-sqlite-fold")


class CuratorAdminConfig(admin_apps.AdminConfig):
    """The admin, on a site that asks curators with an authenticator for its code."""

    default = False
    default_site = "registry.admin_site.CuratorAdminSite"
