from django.core.management.base import BaseCommand

from campaigns.demo import demo_campaigns_load
from campaigns.demo_recommendations import demo_recommendations_load
from orders.demo import demo_data_load


class Command(BaseCommand):
    help = "Load the demo users, offers and campaign that are missing (never resets them)."

    def handle(self, *args, **options):
        created = demo_data_load() + demo_campaigns_load() + demo_recommendations_load()
        self.stdout.write(
            "Demo data: " + (", ".join(created) + " created." if created else "already loaded.")
        )
