from django.core.management.base import BaseCommand, CommandError

from selfcare.models import ApiClient
from selfcare.services.api_clients import ApiClientError, api_client_create


class Command(BaseCommand):
    help = (
        "Make a system client of the API and print its OAuth2 client id and secret, once (only "
        "the secret's hash is kept). It gets tokens at /o/token/ with the client credentials grant."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--scope", action="append", required=True, choices=ApiClient.Scope.values
        )

    def handle(self, *args, name, scope, **options):
        try:
            _, credentials = api_client_create(name=name, scopes=scope)
        except ApiClientError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"Client {name!r} made ({', '.join(scope)}). Its client id and secret, shown once:"
        )
        self.stdout.write(f"CLIENT_ID={credentials.client_id}")
        self.stdout.write(f"CLIENT_SECRET={credentials.client_secret}")
