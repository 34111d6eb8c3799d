"""The demo data `make run` loads: the users in the README, and the operator's example offers.

Idempotent: what exists already is left exactly as it is (a second run neither duplicates nor
resets it), so a demo in progress survives a restart.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from catalog.models import BasePlan, LifecycleStatus, Offer, OfferTemplate
from catalog.services import (
    base_plan_save,
    offer_create_from_template,
    offer_publish,
    offer_template_load_pack,
)
from selfcare.models import BYTES_PER_MB, SECONDS_PER_MINUTE, Bucket, UsageRecord, Voucher
from selfcare.said import said, said_json
from selfcare.services import customer_create, voucher_create

DEMO_PASSWORD = "selfcare-demo"

CUSTOMERS = [
    {
        "username": "stacy",
        "name": "Stacy Martin",
        "msisdn": "351910000001",
        "base_plan": "Family Bundle M",
        "tenure": relativedelta(years=3),
        "balance": Decimal("30.00"),
        "lifecycle_status": LifecycleStatus.ACTIVE,
        # She agreed to hear about offers: the journey's promotion may reach her.
        "marketing_consent": True,
    },
    {
        "username": "tom",
        "name": "Tom Silva",
        "msisdn": "351910000002",
        "base_plan": "Prepaid Go",
        "tenure": relativedelta(months=2),
        "balance": Decimal("15.00"),
        "lifecycle_status": LifecycleStatus.ACTIVE,
    },
    {
        "username": "sam",
        "name": "Sam Costa",
        "msisdn": "351910000003",
        "base_plan": "Prepaid Go",
        "tenure": relativedelta(years=1, months=1),
        "balance": Decimal("5.00"),
        "lifecycle_status": LifecycleStatus.SUSPENDED,
        "status_reason": "an unpaid top-up card was charged back. Call us on 1696 to reactivate it",
    },
]

# Scratch-card vouchers to try top-up with (README, "Top-up"): (serial, PIN, amount).
VOUCHERS = [
    ("DEMO-05-1", "1111 2222 3333 4444", Decimal("5.00")),
    ("DEMO-10-1", "2222 3333 4444 5555", Decimal("10.00")),
    ("DEMO-10-2", "3333 4444 5555 6666", Decimal("10.00")),
    ("DEMO-20-1", "4444 5555 6666 7777", Decimal("20.00")),
]

# The demo's base plans and their out-of-bundle rates (per MB, per minute, per SMS).
BASE_PLANS = [
    ("Family Bundle M", Decimal("0.0080"), Decimal("0.0800"), Decimal("0.0600")),
    ("Prepaid Go", Decimal("0.0100"), Decimal("0.1000"), Decimal("0.0800")),
]

# What the demo's lines used over the 12 days of their plan's month so far, a day each, oldest
# first, so her dashboard's chart has a history: MB of data (3,180 in all, as the plan's usage
# bar says) and seconds of calls (95 minutes).
USAGE_HISTORY = [
    (180, 600), (320, 420), (210, 0), (400, 900), (150, 300), (260, 480),
    (330, 720), (190, 0), (280, 660), (240, 540), (310, 480), (310, 600),
]  # fmt: skip

STAFF = [
    ("agent", "Alex Agent", ["Call-centre agents"]),
    ("supervisor", "Sue Supervisor", ["Call-centre agents", "Call-centre supervisors"]),
    ("pm", "Pat Product", ["Product managers"]),
    ("marketer", "Mary Marketer", ["Marketing"]),
]
# The groups that work in the Django admin (the agents' console is elsewhere).
ADMIN_GROUPS = {"Product managers", "Marketing"}

OFFERS = [
    {
        "template": "data-addon",
        "code": "data-15gb",
        "name": "Data 15GB",
        "summary": "15 GB for 30 days, once a month. Cancel any time: unused data is refunded.",
        "display_order": 10,
    },
    {
        # The promotion of the customer journey: cheaper when bought in the self-care portal.
        "template": "data-addon",
        "code": "summer-data-20gb",
        "name": "Summer Data 20GB",
        "summary": "20 GB for 30 days. €9 instead of €12 when you buy it in the self-care portal.",
        "price": Decimal("12.00"),
        "data_mb": 20480,
        "channel_prices": {"portal": "9.00"},
        "display_order": 15,
    },
    {
        "template": "night-pass",
        "code": "mobile-tv-night-pass",
        "name": "Mobile TV Night Pass",
        "summary": "Mobile TV from now until 04:00 tomorrow morning, with no data charges.",
        "display_order": 20,
    },
    {
        "template": "third-party-service",
        "code": "games-club",
        "name": "Games Club",
        "summary": "Unlimited games from Games Club, €3.99 every 30 days.",
        "provider": "Games Club Ltd",
        "display_order": 30,
    },
    {
        "template": "third-party-service",
        "code": "news-alerts",
        "name": "News Alerts",
        "summary": "Breaking news by SMS, €0.99 every 30 days.",
        "provider": "Daily Wire",
        "price": Decimal("0.99"),
        "display_order": 31,
    },
    {
        "template": "recurring-bundle",
        "code": "monthly-bundle",
        "name": "Monthly Bundle",
        "summary": "Games Club and 5 GB for 30 days, renewed every 30 days. Cancel any time.",
        "display_order": 40,
        "suspends": ["games-club"],
    },
    {
        "template": "configurable-bundle",
        "code": "my-fixed-price-bundle",
        "name": "My Fixed Price Bundle",
        "summary": "Pick your data, minutes and an extra for €15 every 30 days; change any time.",
        "display_order": 50,
    },
    {
        "template": "gift",
        "code": "gift-1gb",
        "name": "Gift 1GB",
        "summary": "Give 1 GB to a friend: when they accept it, you get 1 GB too.",
        "display_order": 60,
    },
    {
        "template": "temporary-line",
        "code": "travel-line-30-days",
        "name": "Travel Line 30 days",
        "summary": "A second line for 30 days on your plan, on the free SIM from our shops.",
        "eligible_plans": ["Family Bundle M", "Family Bundle L"],
        "display_order": 70,
    },
    {
        "template": "loyalty",
        "code": "loyalty-data",
        "name": "Loyalty Data",
        "summary": "100 MB for each full year with us, free, once a year.",
        "display_order": 80,
    },
    {
        "template": "rollover",
        "code": "video-rollover",
        "name": "Video Rollover",
        "summary": "Your unused monthly data becomes video-on-demand data for the next month.",
        "display_order": 90,
    },
]


def _user(username: str, name: str) -> tuple[User, bool]:
    first, _, last = name.partition(" ")
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user, created


@transaction.atomic
def demo_data_load() -> list[str]:
    """Load what is missing of the demo data; returns what was created."""
    created = []
    if offer_template_load_pack():
        created.append("offer templates")
    for name, per_mb, per_minute, per_sms in BASE_PLANS:
        if not BasePlan.objects.filter(name=name).exists():
            plan = BasePlan(
                name=name, rate_per_mb=per_mb, rate_per_minute=per_minute, rate_per_sms=per_sms
            )
            base_plan_save(plan=plan)
            created.append(f"base plan {name}")
    today = timezone.localdate()
    for spec in CUSTOMERS:
        user, was_created = _user(spec["username"], spec["name"])
        if not was_created:
            continue
        customer = customer_create(
            user=user,
            name=spec["name"],
            email=user.email,
            msisdn=spec["msisdn"],
            base_plan=spec["base_plan"],
            contract_start=today - spec["tenure"],
            lifecycle_status=spec["lifecycle_status"],
            status_reason=spec.get("status_reason", ""),
            opening_balance=spec["balance"],
            marketing_consent=spec.get("marketing_consent", False),
        )
        _base_plan_allowances(customer.lines.get())
        created.append(spec["username"])
    for username, name, groups in STAFF:
        user, was_created = _user(username, name)
        if was_created:
            user.is_staff = bool(ADMIN_GROUPS.intersection(groups))
            user.save(update_fields=["is_staff"])
            user.groups.add(*Group.objects.filter(name__in=groups))
            created.append(username)
    for spec in OFFERS:
        if Offer.objects.filter(code=spec["code"]).exists():
            continue
        values = dict(spec)
        template = OfferTemplate.objects.get(code=values.pop("template"))
        suspends = values.pop("suspends", [])
        offer = offer_create_from_template(template=template, **values)
        offer.suspends_offers.set(Offer.objects.filter(code__in=suspends))
        offer_publish(offer=offer)
        created.append(offer.name)
    for serial, pin, amount in VOUCHERS:
        if not Voucher.objects.filter(serial=serial).exists():
            voucher_create(pin=pin, serial=serial, amount=amount)
            created.append(f"voucher {serial}")
    return created


def _base_plan_allowances(line) -> None:
    """The base plan's monthly allowances, part used, so the dashboard shows real usage bars,
    and the use that drew them, a day at a time (USAGE_HISTORY)."""
    now = timezone.now()
    month_end = now + dt.timedelta(days=18)
    plan_data, plan_minutes = said(gettext_noop("Plan data")), said(gettext_noop("Plan minutes"))
    data, minutes = Bucket.objects.bulk_create(
        [
            Bucket(
                line=line,
                name=plan_data,
                said=said_json(plan_data),
                unit=Bucket.Unit.BYTES,
                initial=5120 * BYTES_PER_MB,
                used=3180 * BYTES_PER_MB,
                valid_from=now - dt.timedelta(days=12),
                valid_until=month_end,
            ),
            Bucket(
                line=line,
                name=plan_minutes,
                said=said_json(plan_minutes),
                unit=Bucket.Unit.SECONDS,
                initial=300 * SECONDS_PER_MINUTE,
                used=95 * SECONDS_PER_MINUTE,
                valid_from=now - dt.timedelta(days=12),
                valid_until=month_end,
            ),
        ]
    )
    records = []
    for n, (mb, seconds) in enumerate(USAGE_HISTORY):
        at = now - dt.timedelta(days=len(USAGE_HISTORY) - n, hours=-6)
        for service, bucket, quantity in (
            (UsageRecord.Service.DATA, data, mb * BYTES_PER_MB),
            (UsageRecord.Service.VOICE, minutes, seconds),
        ):
            if quantity:
                records.append(
                    UsageRecord(
                        line=line,
                        event_id=f"demo-{line.msisdn}-{service}-{n}",
                        service=service,
                        quantity=quantity,
                        unit=bucket.unit,
                        at=at,
                        rated_against={str(bucket.pk): quantity},
                    )
                )
    UsageRecord.objects.bulk_create(records)
