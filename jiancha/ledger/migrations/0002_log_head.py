from django.db import migrations


def create_head(apps, schema_editor):
    # The single row every append locks; made here so that no two first appends race to create it.
    apps.get_model("ledger", "LogHead").objects.get_or_create(pk=1, defaults={"size": 0, "frontier": b""})


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
