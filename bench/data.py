"""What the benchmarks run against, made through the product's own services: published offers,
customers with their account, line and opening balance, owned add-ons, and signed-in sessions."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from catalog.models import Offer, OfferTemplate
from catalog.services import offer_create_from_template, offer_publish, offer_template_load_pack
from orders.services import product_instance_activate, product_instance_purchase
from selfcare.models import Channel, Customer
from selfcare.services import customer_create

_msisdns = itertools.count(1)
# The one-tap kinds of add-on; the others need a form first (options, a friend's number, a code).
ONE_TAP_TEMPLATES = ("data-addon", "night-pass", "recurring-bundle", "third-party-service")


@dataclass(frozen=True)
class SignedIn:
    """A customer with a session the web server accepts, as a browser's cookie would carry it."""

    customer: Customer
    line_id: int
    session_key: str


def offers_publish(*, count: int, prefix: str) -> list[Offer]:
    """`count` published offers, made from the shipped one-tap templates in turn (data add-ons,
    night passes, recurring bundles, third-party services), the way a product manager makes
    them."""
    offer_template_load_pack()
    templates = sorted(
        OfferTemplate.objects.filter(code__in=ONE_TAP_TEMPLATES),
        key=lambda template: ONE_TAP_TEMPLATES.index(template.code),
    )
    offers = []
    for n in range(count):
        template = templates[n % len(templates)]
        offer = offer_create_from_template(
            template=template,
            code=f"{prefix}-{n + 1}",
            name=f"{template.name} {n + 1}",
            summary=f"{template.description[:150]}",
            display_order=n,
        )
        offers.append(offer_publish(offer=offer))
    return offers


def customers_create(*, count: int, prefix: str, balance: Decimal) -> list[Customer]:
    """`count` active customers of three years' tenure; users in one insert, the rest through
    `customer_create` (account, line, opening balance on the ledger)."""
    users = User.objects.bulk_create(
        User(
            username=f"{prefix}{n:04d}",
            email=f"{prefix}{n:04d}@example.com",
            password=make_password(None),  # sessions are made directly: no password to check
        )
        for n in range(count)
    )
    start = timezone.localdate() - dt.timedelta(days=3 * 365)
    return [
        customer_create(
            user=user,
            name=f"Bench Customer {user.username}",
            email=user.email,
            msisdn=f"35193{next(_msisdns):07d}",
            base_plan="Prepaid Go",
            contract_start=start,
            opening_balance=balance,
        )
        for user in users
    ]


def session_create(*, customer: Customer) -> SignedIn:
    """What `django.contrib.auth.login` stores, without a password round trip."""
    user = customer.user
    store = SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return SignedIn(
        customer=customer, line_id=customer.lines.get().pk, session_key=store.session_key
    )


def addons_own(*, customer: Customer, offers: list[Offer]) -> None:
    """Buy each offer as the portal does, then activate it as the worker would. The activation
    jobs the purchases schedule are purged before the worker starts."""
    line = customer.lines.get()
    for offer in offers:
        order = product_instance_purchase(
            customer=customer,
            line_id=line.pk,
            offer_id=offer.pk,
            channel=Channel.PORTAL,
            idempotency_key=uuid.uuid4().hex,
        )
        for item in order.items.all():
            product_instance_activate(product_instance_id=item.product_instance_id)
