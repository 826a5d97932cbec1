"""The upload workflow's model moves from the web app to imports: the table stays as it is."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("imports", "0001_initial"),
        ("web", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ImportUpload',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('entity', models.CharField(max_length=20)),
                        ('file_name', models.CharField(max_length=255)),
                        ('data', models.BinaryField(default=b'')),
                        ('size', models.PositiveBigIntegerField(default=0)),
                        ('sha256', models.CharField(max_length=64)),
                        ('mapping_name', models.CharField(blank=True, default='', max_length=60)),
                        ('mapping', models.JSONField(blank=True, default=dict)),
                        ('partial', models.BooleanField(default=False)),
                        ('background', models.BooleanField(default=False)),
                        ('state', models.CharField(choices=[('uploaded', 'Uploaded'), ('needs_mapping', 'Needs a header mapping'), ('previewing', 'Preview running'), ('previewed', 'Previewed'), ('importing', 'Import running'), ('done', 'Imported'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='uploaded', max_length=20)),
                        ('preview', models.JSONField(blank=True, null=True)),
                        ('result', models.JSONField(blank=True, null=True)),
                        ('error', models.TextField(blank=True, default='')),
                        ('run_id', models.BigIntegerField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'web_importupload',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['user', 'created_at'], name='web_importu_user_id_70de54_idx')],
                    },
                ),
            ],
        ),
    ]
