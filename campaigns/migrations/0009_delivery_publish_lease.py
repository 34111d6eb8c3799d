# A delivery records when its send job was last published and how many times, so the sweep
# publishes again only a job whose lease has run out, not a backlog waiting its turn. Queued ones
# were published when they were decided.

from django.db import migrations, models
from django.db.models import F


def queued_published_when_decided(apps, schema_editor):
    Delivery = apps.get_model("campaigns", "Delivery")
    Delivery.objects.filter(outcome="queued").update(published_at=F("decided_at"), publishes=1)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0008_people_kept_on_audit_rows"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="delivery",
            name="publishes",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(queued_published_when_decided, migrations.RunPython.noop),
    ]
