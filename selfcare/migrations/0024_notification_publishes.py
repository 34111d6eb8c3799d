# A message counts how many times its job was published, so the stuck sweep's deadline can double
# with each publish instead of publishing a long queue's backlog again every few seconds.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("selfcare", "0023_customer_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="publishes",
            field=models.PositiveSmallIntegerField(default=1),
        ),
    ]
