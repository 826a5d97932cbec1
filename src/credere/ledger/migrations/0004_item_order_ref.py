from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0003_payment_bank_reference'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='openitem',
            index=models.Index(fields=['order_reference', 'company', 'document_type'], name='item_order_ref'),
        ),
    ]
