from django.core.management.base import BaseCommand

from orders.demo import demo_data_load


class Command(BaseCommand):
    help = "Load the demo users and offers that are missing (idempotent: never resets them)."

    def handle(self, *args, **options):
        created = demo_data_load()
        self.stdout.write(
            "Demo data: " + (", ".join(created) + " created." if created else "already loaded.")
        )
