"""Page versions: a counter per customer, and one for the catalog, moved by triggers on every table
her dashboard and offers page read (orders' tables are watched in orders' own migration)."""

from django.db import migrations, models

from selfcare.pageversions import WatchForPages

CATALOG = "0"

_operations = [
    migrations.CreateModel(
        name="PageVersion",
        fields=[
            (
                "scope",
                models.BigIntegerField(
                    help_text="Customer id, or 0: the catalog.", primary_key=True, serialize=False
                ),
            ),
            ("version", models.BigIntegerField(default=0)),
        ],
    ),
    WatchForPages("selfcare_customer", scope="{row}.id"),
    WatchForPages("selfcare_account", scope="{row}.customer_id"),
    WatchForPages(
        "selfcare_ledgerentry",
        scope="(SELECT customer_id FROM selfcare_account WHERE id = {row}.account_id)",
    ),
    WatchForPages("selfcare_line", scope="{row}.customer_id"),
    WatchForPages(
        "selfcare_bucket",
        scope="(SELECT customer_id FROM selfcare_line WHERE id = {row}.line_id)",
    ),
    WatchForPages("selfcare_notification", scope="{row}.customer_id"),
    WatchForPages("catalog_offer", scope=CATALOG),
    WatchForPages("catalog_offer_requires_offers", scope=CATALOG),
    WatchForPages("catalog_offer_excludes_offers", scope=CATALOG),
    WatchForPages("catalog_offer_suspends_offers", scope=CATALOG),
]


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0012_channel_prices"),
        ("selfcare", "0006_omnichannel"),
    ]

    operations = _operations
