"""The upload workflow's model now belongs to imports (its table, web_importupload, stays)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("web", "0001_initial"),
        ("imports", "0002_importupload_from_web"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="ImportUpload")],
        ),
    ]
