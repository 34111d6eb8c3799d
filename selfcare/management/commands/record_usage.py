from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from selfcare.models import BYTES_PER_MB, Line, UsageRecord
from selfcare.services import usage_ingest


class Command(BaseCommand):
    help = (
        "Feed network usage for a line by hand, as the network would (for demos and trials): one "
        "event through the feed's own service (ingest_usage)."
    )

    def add_arguments(self, parser):
        parser.add_argument("who", help="MSISDN, or the customer's username")
        parser.add_argument("mb", type=int, help="megabytes used")
        parser.add_argument(
            "--service",
            choices=[UsageRecord.Service.DATA, UsageRecord.Service.TV, UsageRecord.Service.VOD],
            default=UsageRecord.Service.DATA,
        )
        parser.add_argument(
            "--id",
            dest="event_id",
            help="the event's id (default: the line, service, amount and minute: the same "
            "command run twice in one minute is the same event, rated once)",
        )

    def handle(self, *args, who, mb, service, event_id, **options):
        line = (
            Line.objects.filter(msisdn=who).first()
            or Line.objects.filter(customer__user__username=who).first()
        )
        if line is None:
            raise CommandError(f"No line for {who!r}.")
        if mb <= 0:
            raise CommandError("Give a positive number of megabytes.")
        at = timezone.now().replace(second=0, microsecond=0)
        event_id = event_id or f"cli:{line.msisdn}:{service}:{mb}:{at:%Y%m%dT%H%M}"
        result = usage_ingest(
            events=[
                {
                    "id": event_id,
                    "msisdn": line.msisdn,
                    "service": service,
                    "quantity": mb * BYTES_PER_MB,
                    "unit": "bytes",
                    "at": at.isoformat(),
                }
            ]
        )
        if result.rejected:
            raise CommandError(result.rejected[0].reason)
        if result.duplicates:
            self.stdout.write(f"{event_id} was rated before: nothing changed.")
            return
        out = result.lines.get(line.pk)
        out_mb = (out.out_of_bundle.get("bytes", 0) if out else 0) / BYTES_PER_MB
        self.stdout.write(
            f"{line.msisdn}: {mb} MB of {service} rated; {mb - out_mb:g} MB from allowances, "
            f"{out_mb:g} MB out of bundle" + (f", {out.charged} charged." if out else ".")
        )
