from django.db import migrations


def load(apps, schema_editor):
    from registry.vocabularies import load_terms

    load_terms(apps.get_model("registry", "Term"))


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    # Reversing leaves the terms: records may already point at them.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
