import uuid

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from selfcare.models import Bucket, Line
from selfcare.services import usage_record


class Command(BaseCommand):
    help = "Feed network usage for a line, as the network would (for demos and trials)."

    def add_arguments(self, parser):
        parser.add_argument("who", help="MSISDN, or the customer's username")
        parser.add_argument("mb", type=int, help="megabytes used")
        parser.add_argument("--service", choices=Bucket.Scope.values, default=Bucket.Scope.GENERAL)

    def handle(self, *args, who, mb, service, **options):
        line = (
            Line.objects.filter(msisdn=who).first()
            or Line.objects.filter(customer__user__username=who).first()
        )
        if line is None:
            raise CommandError(f"No line for {who!r}.")
        if mb <= 0:
            raise CommandError("Give a positive number of megabytes.")
        record = usage_record(
            line=line, event_id=f"cli-{uuid.uuid4()}", service=service, mb=mb, at=timezone.now()
        )
        covered = record.mb - record.out_of_bundle_mb
        self.stdout.write(
            f"{line.msisdn}: {record.mb} MB of {service} rated; {covered} MB from allowances, "
            f"{record.out_of_bundle_mb} MB out of bundle."
        )
