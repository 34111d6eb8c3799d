# The usage table keeps only the indexes it is read by: (line, at) and its unique event id, without
# the LIKE index `unique=True` adds on PostgreSQL nor a line-only index (line, at) already serves.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("selfcare", "0014_api_clients"),
    ]

    operations = [
        migrations.AlterField(
            model_name="usagerecord",
            name="event_id",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="usagerecord",
            name="line",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="usage",
                to="selfcare.line",
            ),
        ),
        migrations.AddConstraint(
            model_name="usagerecord",
            constraint=models.UniqueConstraint(
                fields=("event_id",), name="usage_record_event_id_unique"
            ),
        ),
    ]
