# Each offer's history of changes (who made, edited, published or retired it, and when), which
# product managers may view. Offers that exist already get the rows their own dates tell: made
# at created_at, published at published_at, retired at retired_at, by someone unrecorded.

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models


def backfill(apps, schema_editor):
    Offer = apps.get_model("catalog", "Offer")
    OfferChange = apps.get_model("catalog", "OfferChange")
    rows = []
    for offer in Offer.objects.order_by("pk"):
        rows.append(OfferChange(offer=offer, action="created", changed_at=offer.created_at))
        if offer.published_at:
            rows.append(OfferChange(offer=offer, action="published", changed_at=offer.published_at))
        if offer.retired_at:
            rows.append(OfferChange(offer=offer, action="retired", changed_at=offer.retired_at))
    OfferChange.objects.bulk_create(rows, batch_size=1000)


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure this one exists now.
    app_config = apps.get_app_config("catalog")
    # Restored after: on the live registry (tests call this) it must stay as it was.
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Product managers")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="catalog", codename="view_offerchange")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0015_base_plan_permissions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OfferChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('created', 'Created'), ('edited', 'Edited'), ('published', 'Published'), ('retired', 'Retired')], max_length=10)),
                ('changed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('fields', models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder)),
                ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('offer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='changes', to='catalog.offer')),
            ],
            options={
                'ordering': ['-changed_at', '-id'],
                'indexes': [models.Index(fields=['offer', '-changed_at'], name='catalog_off_offer_i_2e1739_idx')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
