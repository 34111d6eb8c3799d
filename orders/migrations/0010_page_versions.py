"""Writes to her add-ons and orders move her page version (see selfcare.pageversions)."""

from django.db import migrations

from selfcare.pageversions import WatchForPages


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0009_carts"),
        ("selfcare", "0007_page_versions"),
    ]

    operations = [
        WatchForPages("orders_productinstance", scope="{row}.customer_id"),
        WatchForPages("orders_order", scope="{row}.customer_id"),
        WatchForPages(
            "orders_orderitem",
            scope="(SELECT customer_id FROM orders_order WHERE id = {row}.order_id)",
        ),
    ]
