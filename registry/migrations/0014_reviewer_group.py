"""The "reviewer" group: view rights on every registry model and its history.

Reviewers publish or return records under review and edit nothing (see
registry/workflow.py). As in 0003, the permissions are made here first, since
Django makes them only after the last migration of a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "reviewer"


def create_group(apps, schema_editor):
    alias = schema_editor.connection.alias
    app_config = apps.get_app_config("registry")
    app_config.models_module = True
    try:
        create_permissions(app_config, verbosity=0, apps=apps, using=alias)
    finally:
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.using(alias).get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.using(alias).filter(
        content_type__app_label="registry", codename__startswith="view_"))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0013_report_order_and_search"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
