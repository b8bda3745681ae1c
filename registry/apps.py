from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Heritage damage registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.backends.signals import connection_created

        from registry.selectors.search import install_sqlite_fold

        connection_created.connect(install_sqlite_fold, dispatch_uid="registry-sqlite-fold")
