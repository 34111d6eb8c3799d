from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self):
        from selfcare.pageversions import watch

        # Her add-ons and orders, on her dashboard and offers page.
        watch("orders_productinstance", scope="{row}.customer_id")
        watch("orders_order", scope="{row}.customer_id")
        watch(
            "orders_orderitem",
            scope="(SELECT customer_id FROM orders_order WHERE id = {row}.order_id)",
        )
