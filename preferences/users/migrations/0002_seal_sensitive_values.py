"""Seal the plaintext values of sensitive user preferences stored before sealing existed."""

from django.db import migrations


def seal_user_rows(apps, schema_editor):
    from preferences.sealing import seal_sensitive_rows
    from preferences.users.registries import user_preferences_registry

    model = apps.get_model("preferences_users", "UserPreferenceModel")
    seal_sensitive_rows(model, user_preferences_registry)


class Migration(migrations.Migration):
    dependencies = [("preferences_users", "0001_initial")]

    # Reading tolerates plaintext, so going back needs no work.
    operations = [migrations.RunPython(seal_user_rows, migrations.RunPython.noop)]
