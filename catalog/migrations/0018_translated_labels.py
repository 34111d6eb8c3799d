# The catalog's labels and help texts, and its models' names, are marked for translation so a
# product manager whose admin is in Portuguese reads them in Portuguese. The English is as
# before (fields without a label get the one Django made from their name): no database change.

import catalog.models
import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
import django_fsm
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0017_people_kept_on_audit_rows'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='baseplan',
            options={'ordering': ['name'], 'verbose_name': 'base plan', 'verbose_name_plural': 'base plans'},
        ),
        migrations.AlterModelOptions(
            name='offer',
            options={'ordering': ['display_order', 'name'], 'permissions': [('publish_offer', 'Can publish and retire offers')], 'verbose_name': 'offer', 'verbose_name_plural': 'offers'},
        ),
        migrations.AlterModelOptions(
            name='offerchange',
            options={'ordering': ['-changed_at', '-id'], 'verbose_name': 'offer change', 'verbose_name_plural': 'offer changes'},
        ),
        migrations.AlterModelOptions(
            name='offertemplate',
            options={'ordering': ['name'], 'verbose_name': 'offer template', 'verbose_name_plural': 'offer templates'},
        ),
        migrations.AlterField(
            model_name='baseplan',
            name='currency',
            field=models.CharField(default='EUR', max_length=3, verbose_name='currency'),
        ),
        migrations.AlterField(
            model_name='baseplan',
            name='name',
            field=models.CharField(max_length=60, unique=True, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='available_from',
            field=models.DateTimeField(blank=True, null=True, verbose_name='available from'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='available_until',
            field=models.DateTimeField(blank=True, null=True, verbose_name='available until'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='billing',
            field=models.CharField(choices=[('one_off', 'One-off'), ('recurring', 'Recurring (charged again and renewed every period)')], default='one_off', max_length=16, verbose_name='billing'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='channel_prices',
            field=models.JSONField(blank=True, default=dict, help_text='A lower price on some channels, e.g. {"portal": "8.00"} for a promotion discounted only in the self-care portal. Other channels pay the price above.', verbose_name='channel prices'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='channels',
            field=models.JSONField(default=catalog.models.default_channels, help_text='Where it is sold.', verbose_name='channels'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='code',
            field=models.SlugField(max_length=60, unique=True, verbose_name='code'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='currency',
            field=models.CharField(default='EUR', max_length=3, verbose_name='currency'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='display_order',
            field=models.PositiveSmallIntegerField(default=100, verbose_name='display order'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='duration_days',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='duration days'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='duration_kind',
            field=models.CharField(choices=[('days', 'A number of days'), ('until_local_time', 'Until a time of day (e.g. 04:00 next morning)'), ('calendar_month', 'Until the end of the calendar month'), ('open_ended', 'Open-ended (until switched off)')], default='days', max_length=20, verbose_name='duration kind'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='duration_until',
            field=models.TimeField(blank=True, help_text="Local time of day in the operator's time zone.", null=True, verbose_name='duration until'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='eligible_plans',
            field=models.JSONField(blank=True, default=list, help_text='Base plans that may buy it; empty for any plan.', verbose_name='eligible plans'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='eligible_segments',
            field=models.JSONField(blank=True, default=list, help_text='The customer must be in one of these segments; empty for everyone.', verbose_name='eligible segments'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='eligible_statuses',
            field=models.JSONField(blank=True, default=catalog.models.default_eligible_statuses, help_text='Lifecycle statuses of the customers who may buy it.', verbose_name='eligible statuses'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='excludes_offers',
            field=models.ManyToManyField(blank=True, help_text='Customers who own any of these may not buy it.', related_name='+', to='catalog.offer', verbose_name='excludes offers'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='name',
            field=models.CharField(max_length=120, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='option_groups',
            field=models.JSONField(blank=True, default=list, help_text='Configurable bundles: the choices she makes, e.g. [{"key": "data", "label": "Data", "choices": [{"value": "5gb", "label": "5 GB", "data_mb": 5120, "price": "0"}, ...]}]. A choice may add data_mb, voice_minutes, vod_mb and a price (added to the offer\'s).', verbose_name='option groups'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='price',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, verbose_name='price'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='provider',
            field=models.CharField(blank=True, help_text='For third-party services: who provides it.', max_length=120, verbose_name='provider'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='published_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='published at'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='purchase_limit',
            field=models.PositiveSmallIntegerField(blank=True, help_text='How many purchases are allowed per window; empty: no limit.', null=True, verbose_name='purchase limit'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='purchase_limit_window',
            field=models.CharField(blank=True, choices=[('calendar_month', 'per calendar month'), ('rolling_12_months', 'per rolling 12 months')], max_length=20, verbose_name='purchase limit window'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='refund_grace_minutes',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='refund grace minutes'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='refund_policy',
            field=models.CharField(choices=[('none', 'No refund'), ('pro_rata_data', 'Pro-rata of unused data'), ('pro_rata_time', 'Pro-rata of unused time'), ('full_within_grace', 'Full refund within a grace window, if unused')], default='none', max_length=20, verbose_name='refund policy'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='requires_offers',
            field=models.ManyToManyField(blank=True, help_text='Only customers who own all of these may buy it.', related_name='+', to='catalog.offer', verbose_name='requires offers'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='retired_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='retired at'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='status',
            field=django_fsm.FSMField(choices=[('draft', 'Draft'), ('published', 'Published'), ('retired', 'Retired')], default='draft', max_length=50, protected=True, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='summary',
            field=models.CharField(blank=True, max_length=200, verbose_name='summary'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='suspends_offers',
            field=models.ManyToManyField(blank=True, help_text='Redundant services: suspended while this one is active (their time does not run), back by themselves when it ends.', related_name='+', to='catalog.offer', verbose_name='suspends offers'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='template',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='offers', to='catalog.offertemplate', verbose_name='template'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='updated at'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='updated_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='updated by'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='voice_minutes',
            field=models.PositiveIntegerField(default=0, verbose_name='voice minutes'),
        ),
        migrations.AlterField(
            model_name='offerchange',
            name='action',
            field=models.CharField(choices=[('created', 'Created'), ('edited', 'Edited'), ('published', 'Published'), ('retired', 'Retired')], max_length=10, verbose_name='action'),
        ),
        migrations.AlterField(
            model_name='offerchange',
            name='changed_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='changed at'),
        ),
        migrations.AlterField(
            model_name='offerchange',
            name='changed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='changed by'),
        ),
        migrations.AlterField(
            model_name='offerchange',
            name='fields',
            field=models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name='fields'),
        ),
        migrations.AlterField(
            model_name='offerchange',
            name='offer',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='changes', to='catalog.offer', verbose_name='offer'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='billing',
            field=models.CharField(choices=[('one_off', 'One-off'), ('recurring', 'Recurring (charged again and renewed every period)')], default='one_off', max_length=16, verbose_name='billing'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='channel_prices',
            field=models.JSONField(blank=True, default=dict, help_text='A lower price on some channels, e.g. {"portal": "8.00"} for a promotion discounted only in the self-care portal. Other channels pay the price above.', verbose_name='channel prices'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='channels',
            field=models.JSONField(default=catalog.models.default_channels, help_text='Where it is sold.', verbose_name='channels'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='code',
            field=models.SlugField(max_length=60, unique=True, verbose_name='code'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='currency',
            field=models.CharField(default='EUR', max_length=3, verbose_name='currency'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='description',
            field=models.TextField(blank=True, verbose_name='description'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='duration_days',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='duration days'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='duration_kind',
            field=models.CharField(choices=[('days', 'A number of days'), ('until_local_time', 'Until a time of day (e.g. 04:00 next morning)'), ('calendar_month', 'Until the end of the calendar month'), ('open_ended', 'Open-ended (until switched off)')], default='days', max_length=20, verbose_name='duration kind'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='duration_until',
            field=models.TimeField(blank=True, help_text="Local time of day in the operator's time zone.", null=True, verbose_name='duration until'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='eligible_plans',
            field=models.JSONField(blank=True, default=list, help_text='Base plans that may buy it; empty for any plan.', verbose_name='eligible plans'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='eligible_segments',
            field=models.JSONField(blank=True, default=list, help_text='The customer must be in one of these segments; empty for everyone.', verbose_name='eligible segments'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='eligible_statuses',
            field=models.JSONField(blank=True, default=catalog.models.default_eligible_statuses, help_text='Lifecycle statuses of the customers who may buy it.', verbose_name='eligible statuses'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='kind',
            field=models.CharField(choices=[('data_addon', 'Data add-on'), ('time_pass', 'Time pass'), ('recurring_bundle', 'Recurring bundle'), ('third_party', 'Third-party service'), ('configurable_bundle', 'Configurable bundle'), ('gift', 'Gift'), ('temporary_line', 'Temporary line'), ('rollover', 'Rollover'), ('loyalty', 'Loyalty reward')], max_length=30, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='name',
            field=models.CharField(max_length=120, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='option_groups',
            field=models.JSONField(blank=True, default=list, help_text='Configurable bundles: the choices she makes, e.g. [{"key": "data", "label": "Data", "choices": [{"value": "5gb", "label": "5 GB", "data_mb": 5120, "price": "0"}, ...]}]. A choice may add data_mb, voice_minutes, vod_mb and a price (added to the offer\'s).', verbose_name='option groups'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='price',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, verbose_name='price'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='purchase_limit',
            field=models.PositiveSmallIntegerField(blank=True, help_text='How many purchases are allowed per window; empty: no limit.', null=True, verbose_name='purchase limit'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='purchase_limit_window',
            field=models.CharField(blank=True, choices=[('calendar_month', 'per calendar month'), ('rolling_12_months', 'per rolling 12 months')], max_length=20, verbose_name='purchase limit window'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='refund_grace_minutes',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='refund grace minutes'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='refund_policy',
            field=models.CharField(choices=[('none', 'No refund'), ('pro_rata_data', 'Pro-rata of unused data'), ('pro_rata_time', 'Pro-rata of unused time'), ('full_within_grace', 'Full refund within a grace window, if unused')], default='none', max_length=20, verbose_name='refund policy'),
        ),
        migrations.AlterField(
            model_name='offertemplate',
            name='voice_minutes',
            field=models.PositiveIntegerField(default=0, verbose_name='voice minutes'),
        ),
    ]
