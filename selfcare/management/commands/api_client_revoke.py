from django.core.management.base import BaseCommand, CommandError

from selfcare.services.api_clients import ApiClientError, api_client_revoke


class Command(BaseCommand):
    help = "Revoke a system client of the API: its credentials and tokens stop working at once."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        try:
            client = api_client_revoke(name=name)
        except ApiClientError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Client {name!r} revoked at {client.revoked_at:%Y-%m-%d %H:%M:%S %Z}.")
