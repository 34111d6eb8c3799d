from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class SelfcareConfig(AppConfig):
    name = "selfcare"
    verbose_name = "Customers"

    def ready(self):
        from . import pageversions
        from .models import PageChange

        # What her dashboard and offers page read (see selfcare.views.common.page_cached).
        watch = pageversions.watch
        watch("selfcare_customer", scope="{row}.id")
        watch("selfcare_account", scope="{row}.customer_id")
        watch(
            "selfcare_ledgerentry",
            scope="(SELECT customer_id FROM selfcare_account WHERE id = {row}.account_id)",
        )
        watch("selfcare_line", scope="{row}.customer_id")
        watch(
            "selfcare_bucket",
            scope="(SELECT customer_id FROM selfcare_line WHERE id = {row}.line_id)",
        )
        watch("selfcare_notification", scope="{row}.customer_id")
        # The catalog sits below the customer domain and knows nothing of pages: watched here.
        for table in (
            "catalog_offer",
            "catalog_offer_requires_offers",
            "catalog_offer_excludes_offers",
            "catalog_offer_suspends_offers",
        ):
            watch(table, scope=str(PageChange.CATALOG))
        pre_migrate.connect(pageversions.triggers_drop_before_migrate, sender=self)
        post_migrate.connect(pageversions.triggers_install, sender=self)
