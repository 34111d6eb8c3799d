"""Allowances in base units: MB become bytes, minutes seconds, SMS messages (exact rating)."""

from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Least

# (old unit, new unit, how many new units one old unit is)
CONVERSIONS = [("mb", "bytes", 1024 * 1024), ("minutes", "seconds", 60), ("sms", "messages", 1)]


def to_base_units(apps, schema_editor):
    Bucket = apps.get_model("selfcare", "Bucket")
    for old, new, factor in CONVERSIONS:
        Bucket.objects.filter(unit=old).update(
            unit=new,
            initial=F("initial") * factor,
            used=F("used") * factor,
            carried=F("carried") * factor,
        )


def from_base_units(apps, schema_editor):
    # Back to whole MB and minutes: what was used rounds up, so nothing is handed out again.
    Bucket = apps.get_model("selfcare", "Bucket")
    for old, new, factor in CONVERSIONS:
        Bucket.objects.filter(unit=new).update(
            unit=old,
            initial=F("initial") / factor,
            used=Least((F("used") + factor - 1) / factor, F("initial") / factor),
            carried=Least((F("carried") + factor - 1) / factor, F("initial") / factor),
        )


class Migration(migrations.Migration):
    dependencies = [("selfcare", "0011_notification_status_history_backfill")]

    operations = [
        migrations.AlterField(
            model_name="bucket",
            name="unit",
            field=models.CharField(
                choices=[("bytes", "bytes"), ("seconds", "seconds"), ("messages", "SMS")],
                max_length=10,
            ),
        ),
        migrations.RunPython(to_base_units, from_base_units),
    ]
