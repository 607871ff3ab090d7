"""Seal the plaintext values of sensitive global preferences stored before sealing existed."""

from django.db import migrations


def seal_global_rows(apps, schema_editor):
    from preferences.registries import global_preferences_registry
    from preferences.sealing import seal_sensitive_rows

    model = apps.get_model("preferences", "GlobalPreferenceModel")
    seal_sensitive_rows(model, global_preferences_registry)


class Migration(migrations.Migration):
    dependencies = [("preferences", "0001_initial")]

    # Reading tolerates plaintext, so going back needs no work.
    operations = [migrations.RunPython(seal_global_rows, migrations.RunPython.noop)]
