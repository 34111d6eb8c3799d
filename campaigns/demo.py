"""The demo's campaign: the promotion of the customer journey, ready to send to stacy."""

from django.db import transaction

from catalog.models import Offer

from .models import Campaign


@transaction.atomic
def demo_campaigns_load() -> list[str]:
    """Load the demo campaign if it is missing; returns what was created."""
    if Campaign.objects.filter(code="summer-data").exists():
        return []
    campaign = Campaign.objects.create(
        name="Summer data promotion",
        code="summer-data",
        offer=Offer.objects.get(code="summer-data-20gb"),
        message="{name}, Summer Data 20GB is here: 20 GB for 30 days, €9 in the self-care portal.",
    )
    return [campaign.name]
