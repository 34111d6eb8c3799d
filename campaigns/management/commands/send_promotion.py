from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from campaigns.models import Campaign
from campaigns.services import PromotionError, campaign_promotion_send
from selfcare.models import Line


class Command(BaseCommand):
    help = "Send a campaign's promotion SMS (with its tracked link) to the customers of MSISDNs."

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="The campaign's code, e.g. summer-data.")
        parser.add_argument("msisdns", nargs="+", help="Her mobile numbers, e.g. 351910000001.")

    def handle(self, *args, campaign, msisdns, **options):
        found = Campaign.objects.filter(code=campaign).first()
        if found is None:
            raise CommandError(f"No campaign with the code {campaign!r}.")
        lines = {
            line.msisdn: line
            for line in Line.objects.filter(msisdn__in=msisdns).select_related("customer")
        }
        unknown = [msisdn for msisdn in msisdns if msisdn not in lines]
        if unknown:
            raise CommandError(f"Not one of our numbers: {', '.join(unknown)}. Nothing was sent.")
        with transaction.atomic():
            for msisdn in msisdns:
                try:
                    notification = campaign_promotion_send(
                        campaign=found, customer=lines[msisdn].customer
                    )
                except PromotionError as exc:
                    self.stdout.write(f"Not sent to {msisdn}: {exc}")
                    continue
                self.stdout.write(f"Sent to {msisdn}: {notification.body}")
