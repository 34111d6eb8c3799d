from django.core.management.base import BaseCommand, CommandError

from selfcare.models import ApiClient
from selfcare.services.api_clients import ApiClientError, api_client_create


class Command(BaseCommand):
    help = (
        "Make a system client of the API and print its bearer token, once (only its hash is kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--scope", action="append", required=True, choices=ApiClient.Scope.values
        )

    def handle(self, *args, name, scope, **options):
        try:
            _, token = api_client_create(name=name, scopes=scope)
        except ApiClientError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"Client {name!r} made ({', '.join(scope)}). Its token, shown once:")
        self.stdout.write(token)
