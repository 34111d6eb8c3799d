# A service bar records when a job last took it up, so the stuck sweep sends again only what the
# network has not confirmed and no job holds; a partial index keeps that sweep's read small.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("selfcare", "0015_usage_record_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicebar",
            name="last_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="servicebar",
            index=models.Index(
                condition=models.Q(("lifted_at__isnull", True), ("network_barred_at__isnull", True))
                | models.Q(
                    ("lifted_at__isnull", False),
                    ("network_barred_at__isnull", False),
                    ("network_lifted_at__isnull", True),
                ),
                fields=["barred_at"],
                name="service_bar_unsynced_idx",
            ),
        ),
    ]
