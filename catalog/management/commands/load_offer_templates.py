from django.core.management.base import BaseCommand

from catalog.services import offer_template_load_pack


class Command(BaseCommand):
    help = "Create the pre-packed offer templates that do not exist yet (never overwrites edits)."

    def handle(self, *args, **options):
        created = offer_template_load_pack()
        self.stdout.write(f"{created} offer template(s) created.")
