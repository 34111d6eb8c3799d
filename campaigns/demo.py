"""The demo's campaigns: the operator documents' lifecycle campaigns, running when `make run`
starts, and the promotion of the customer journey, ready to send to stacy by hand.

Tom agrees to marketing too, and stacy to the use of her location, so the demo's campaigns have
someone to speak to; a crowd of demo customers with three weeks of history gives the proximity
campaign a holdout whose lift its dashboard can show."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from catalog.models import Offer, OfferTemplate
from catalog.services import offer_create_from_template, offer_publish
from orders.models import ProductInstance
from selfcare.models import Customer, DomainEvent
from selfcare.services import customer_create
from selfcare.services.events import EventRow, events_record

from . import engine
from .models import Campaign, Delivery
from .services import campaign_start

# (code, name, terms): the operator documents' campaigns.
CAMPAIGNS = [
    (
        "data-running-out",
        "Data running out",
        {
            "trigger": "BucketThresholdCrossed",
            "threshold_percent": 80,
            "bucket_unit": "bytes",
            "offer": "data-15gb",
            "message": "{first_name}, you have {left} of data left. Data 15GB: 15 GB for 30 "
            "days, {price}, one tap:",
            "priority": 80,
            # No holdout: whoever tries the demo sees it fire.
            "holdout_percent": 0,
        },
    ),
    (
        "low-balance",
        "Low balance: top up",
        {
            "trigger": "BalanceLow",
            "balance_below": Decimal("2.00"),
            "link_to": "topup",
            "message": "{first_name}, your balance is {balance}. Top up in a tap, by card or "
            "voucher:",
            "priority": 70,
            "holdout_percent": 10,
        },
    ),
    (
        "anniversary-loyalty",
        "Contract anniversary: Loyalty Data",
        {
            "trigger": "ContractAnniversary",
            "action": "grant",
            "offer": "loyalty-data",
            "link_to": "",
            "message": "Happy anniversary, {first_name}! {offer} is on your line, our thanks "
            "for another year.",
            "priority": 90,
            "quiet_hours": False,
        },
    ),
    (
        "tv-evening",
        "Mobile TV tonight (Night Pass buyers)",
        {
            "trigger": "schedule:daily",
            "schedule_time": dt.time(19, 30),
            "audience_bought": ["mobile-tv-night-pass"],
            "audience_bought_days": 30,
            "offer": "mobile-tv-night-pass",
            "message": "{first_name}, tonight's match is on Mobile TV: the Night Pass, {price} "
            "until 4 am.",
            "priority": 40,
            "holdout_percent": 10,
        },
    ),
    (
        "roaming-travel",
        "Roaming started: Travel Data",
        {
            "trigger": "RoamingStarted",
            "offer": "travel-data-5gb",
            "message": "Welcome abroad, {first_name}! Travel Data: 5 GB for 7 days, {price}:",
            "priority": 85,
            "holdout_percent": 10,
            "quiet_hours": False,
        },
    ),
    (
        "stadium-zone",
        "At the stadium: Summer Data",
        {
            "trigger": "ZoneEntered",
            "place": "LX-STADIUM",
            "offer": "summer-data-20gb",
            "message": "{first_name}, at the stadium? Share every goal: Summer Data 20GB for "
            "{price}:",
            "priority": 60,
            "holdout_percent": 20,
        },
    ),
]
CROWD = 150
CROWD_DAYS = 21


@transaction.atomic
def demo_campaigns_load() -> list[str]:
    """Load what is missing of the demo's campaigns and start them; returns what was created."""
    created = []
    if not Campaign.objects.filter(code="summer-data").exists():
        campaign = Campaign.objects.create(
            name="Summer data promotion",
            code="summer-data",
            trigger="schedule:once",
            offer=Offer.objects.get(code="summer-data-20gb"),
            message="{first_name}, Summer Data 20GB is here: 20 GB for 30 days, €9 in the "
            "self-care portal.",
        )
        created.append(campaign.name)
    if Campaign.objects.filter(code="data-running-out").exists():
        return created
    Customer.objects.filter(user__username="tom").update(marketing_consent=True)
    Customer.objects.filter(user__username="stacy").update(location_consent=True)
    _travel_offer()
    crowd = _crowd()
    for code, name, terms in CAMPAIGNS:
        campaign = _campaign(code, name, terms)
        campaign_start(campaign_id=campaign.pk)
        created.append(name)
    _history(Campaign.objects.get(code="stadium-zone"), crowd)
    return created


def _travel_offer() -> None:
    if Offer.objects.filter(code="travel-data-5gb").exists():
        return
    offer = offer_create_from_template(
        template=OfferTemplate.objects.get(code="data-addon"),
        code="travel-data-5gb",
        name="Travel Data 5GB",
        price=Decimal("7.00"),
        data_mb=5120,
        duration_days=7,
    )
    offer_publish(offer=offer)


def _campaign(code: str, name: str, terms: dict) -> Campaign:
    terms = dict(terms)
    bought = terms.pop("audience_bought", [])
    for key in ("offer", "trigger_offer"):
        if terms.get(key):
            terms[key] = Offer.objects.get(code=terms[key])
    campaign = Campaign.objects.create(code=code, name=name, **terms)
    campaign.audience_bought.set(Offer.objects.filter(code__in=bought))
    return campaign


def _crowd() -> list[Customer]:
    """Demo customers who agreed to marketing and to the use of their location, with lines on
    the demo's plans: the proximity campaign's audience."""
    today = timezone.localdate()
    crowd = []
    for n in range(CROWD):
        user = User.objects.create_user(
            username=f"crowd{n:03d}", password=None, first_name="Crowd", last_name=f"{n:03d}"
        )
        customer = customer_create(
            user=user,
            name=f"Crowd Customer {n:03d}",
            msisdn=f"35192{n:07d}",
            base_plan="Prepaid Go" if n % 2 else "Family Bundle M",
            contract_start=today - dt.timedelta(days=200 + 7 * n),
            opening_balance=Decimal("20.00"),
            marketing_consent=True,
        )
        crowd.append(customer)
    Customer.objects.filter(pk__in=[c.pk for c in crowd]).update(location_consent=True)
    # Every fifth watched a match with the Night Pass lately: the evening reminder's audience.
    night_pass = Offer.objects.get(code="mobile-tv-night-pass")
    now = timezone.now()
    for n, customer in enumerate(crowd[::5]):
        _past_purchase(customer, night_pass, at=now - dt.timedelta(days=1 + n % 20))
    return crowd


def _past_purchase(customer: Customer, offer: Offer, *, at: dt.datetime) -> None:
    """A purchase of `offer` at `at`, long over: the crowd's history."""
    product = ProductInstance.objects.create(
        customer=customer,
        line=customer.lines.get(),
        offer=offer,
        price=offer.price,
        paid_amount=offer.price,
        status=ProductInstance.Status.TERMINATED,
        status_changed_at=at,
    )
    ProductInstance.objects.filter(pk=product.pk).update(created_at=at)


def _history(campaign: Campaign, crowd: list[Customer]) -> None:
    """Three weeks of the proximity campaign: each crowd customer entered the stadium zone
    once, decided by the engine as it was then (holdout, sent); some bought the offer within
    days, more of those who were told than of the holdout."""
    rng = random.Random(11)  # noqa: S311 - demo history, the same every load
    now = timezone.now()
    lines = {c.pk: c.lines.get() for c in crowd}
    offer = campaign.offer
    version = campaign.current_version
    for customer in crowd:
        at = now - dt.timedelta(days=rng.uniform(2, CROWD_DAYS))
        ids = events_record(
            rows=[
                EventRow(
                    DomainEvent.Kind.ZONE_ENTERED,
                    customer.pk,
                    f"demo:zone:{customer.pk}",
                    at,
                    {"zone": "LX-STADIUM", "previous": ""},
                    lines[customer.pk].pk,
                )
            ],
            at=at,
        )
        events = list(DomainEvent.objects.filter(pk__in=ids).select_related("customer"))
        DomainEvent.objects.filter(pk__in=ids).update(dispatched_at=at)
        candidates = engine.decide(
            candidates=engine.event_candidates(
                events=events, versions={version.trigger: [version]}
            ),
            at=at,
        )
        for candidate in candidates:
            # What was queued then (or waited for the morning) has long been sent.
            sent_at = {
                Delivery.Outcome.QUEUED: at,
                Delivery.Outcome.QUIET_HOURS: candidate.send_after,
            }.get(candidate.outcome)
            delivery = Delivery.objects.create(
                campaign=campaign,
                version=version,
                customer_id=candidate.customer_id,
                line_id=candidate.line_id,
                event=candidate.event,
                occurrence=candidate.occurrence,
                outcome=Delivery.Outcome.SENT if sent_at else candidate.outcome,
                reason=candidate.reason,
                holdout=candidate.holdout,
                decided_at=at,
                sent_at=sent_at,
            )
            bought = rng.random() < (0.05 if delivery.holdout else 0.16)
            if bought and delivery.outcome in (Delivery.Outcome.SENT, Delivery.Outcome.HOLDOUT):
                _past_purchase(customer, offer, at=at + dt.timedelta(hours=rng.uniform(1, 72)))
