"""The "curator" group: the rights a registry curator needs in the admin.

Django creates permissions in its post_migrate handler, i.e. only after every
migration has run, so on a fresh database they do not exist yet when this
migration runs. ``create_permissions`` is therefore called here first, for the
registry app in its migration state (it returns early for an app without a
models module, which the migration state's app stub never has, hence the
temporary ``models_module``). It is idempotent: post_migrate later finds the
rows already there.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "curator"


def create_group(apps, schema_editor):
    app_config = apps.get_app_config("registry")
    app_config.models_module = True
    try:
        create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
    finally:
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.using(schema_editor.connection.alias).get_or_create(name=GROUP)
    # Delete is included: in the admin it archives. History rows are only viewed.
    permissions = Permission.objects.using(schema_editor.connection.alias).filter(
        content_type__app_label="registry"
    ).exclude(content_type__model__startswith="historical", codename__regex=r"^(add|change|delete)_")
    group.permissions.add(*permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_vocabularies"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
