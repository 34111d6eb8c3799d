from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from catalog.eligibility import offer_decide
from catalog.models import Billing, Offer
from catalog.options import options_validate
from catalog.policies import money_text
from selfcare.jobs import job_publish_on_commit
from selfcare.models import Customer, Interaction, Line
from selfcare.phones import msisdn_format
from selfcare.said import money, said
from selfcare.services import (
    account_balance_check,
    account_charge,
    interaction_record,
    tracked_link_for_purchase,
)

from ..kinds import kind_for
from ..models import Order, OrderItem, ProductInstance
from ..selectors import customer_context_build, offer_price
from ..tasks import product_instance_activate_task
from .confirmation import confirmation_code_send
from .order_steps import (
    OrderError,
    lock_account_and_line,
    order_open,
    order_replayed,
    order_set_status,
    order_start,
)
from .product_events import product_purchased_record
from .product_messages import product_scheduled_tell

# What eligibility reads of the offers a purchase's rules name: their id and name.
RULES = [
    Prefetch(relation, queryset=Offer.objects.only("pk", "name"))
    for relation in ("requires_offers", "excludes_offers")
]


class NotEligibleError(OrderError):
    def __init__(self, reasons):
        super().__init__(" ".join(reasons))
        self.reasons = tuple(reasons)


class AlreadyOwnedError(OrderError):
    pass


class PostponeError(OrderError):
    pass


class OptionsError(OrderError):
    """Something she typed is not right; `field` says which input to show it next to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class OfferPriceChangedError(OrderError):
    """The price is not the one she was shown (`expected`): nothing was bought; `price` is the
    price now, to show her before she confirms again."""

    def __init__(self, *, price: Decimal, expected: Decimal, currency: str):
        super().__init__(
            gettext(
                "The price is now %(price)s, not the %(expected)s you were shown, so nothing was "
                "charged. Check it and confirm again."
            )
            % {"price": money_text(price, currency), "expected": money_text(expected, currency)}
        )
        self.price = price
        self.expected = expected
        self.currency = currency


def bundle_options_clean(*, offer: Offer, options: dict) -> dict:
    """A configurable bundle's choices: one in each of its option groups, as picked at purchase
    and at a change of options. Raises OptionsError on the first group not picked right."""
    errors = options_validate(offer.option_groups, options)
    if errors:
        field, message = next(iter(errors.items()))
        raise OptionsError(field, message)
    return {group["key"]: options[group["key"]] for group in offer.option_groups}


def purchase_options_clean(*, customer: Customer, offer: Offer, options: dict) -> dict:
    """Check what the customer typed for an offer that asks for something (its kind's
    `options_clean`); return it cleaned. Raises OptionsError."""
    return kind_for(offer).options_clean(customer=customer, offer=offer, options=options)


MAX_POSTPONE = dt.timedelta(days=90)


def postpone_check(*, offer: Offer, starts_at: dt.datetime, at: dt.datetime) -> None:
    if not offer.allows_postpone:
        raise PostponeError(
            gettext("%(offer)s cannot be postponed: switch it on now instead.")
            % {"offer": offer.name}
        )
    if starts_at <= at:
        raise PostponeError(gettext("Pick a start in the future."))
    if starts_at > at + MAX_POSTPONE:
        raise PostponeError(gettext("Pick a start within the next 90 days."))


@transaction.atomic
def product_instance_grant(
    *, customer: Customer, line_id: int, offer_id: int, idempotency_key: str, options: dict
) -> Order:
    """Give a customer an offer free of charge (a gift she accepted): an order of its own from
    the system, the product `pending_active`, activation after commit. Replays return the first
    order. Raises Line.DoesNotExist if the line is not hers."""
    _, line = lock_account_and_line(customer=customer, line_id=line_id)
    replayed = order_replayed(
        customer=customer,
        idempotency_key=idempotency_key,
        action=OrderItem.Action.ADD,
        offer_id=offer_id,
    )
    if replayed is not None:
        return replayed
    offer = Offer.objects.get(pk=offer_id)
    owned = ProductInstance.objects.filter(
        line=line, offer=offer, status__in=ProductInstance.LIVE_STATUSES
    )
    if owned.exists():
        raise AlreadyOwnedError(
            gettext("You already have %(offer)s: accept this gift once yours has ended.")
            % {"offer": offer.name}
        )
    instance = ProductInstance.objects.create(
        customer=customer,
        line=line,
        offer=offer,
        price=0,
        paid_amount=0,
        status_changed_at=timezone.now(),
        options=options,
    )
    order, _ = order_open(
        customer=customer,
        line=line,
        channel="system",
        idempotency_key=idempotency_key,
        actor_user=None,
        action=OrderItem.Action.ADD,
        instance=instance,
    )
    order_start(order=order)
    job_publish_on_commit(product_instance_activate_task, instance.pk)
    return order


@transaction.atomic
def product_instance_purchase(
    *,
    customer: Customer,
    line_id: int,
    offer_id: int,
    channel: str,
    idempotency_key: str,
    actor: str = Interaction.Actor.CUSTOMER,
    actor_user=None,
    starts_at: dt.datetime | None = None,
    options: dict | None = None,
    cart=None,
    expected_price: Decimal | None = None,
) -> Order:
    """Buy `offer_id` for the customer's line: the switch's "on"; with `starts_at`, postponed to
    start then (`scheduled`; the offer must allow it). The price is the offer's on `channel`; a
    tracked link she clicked for this offer lately is credited with the sale; `cart` is the cart
    it was checked out from. `expected_price` is the price she was shown (`purchase_quote`): a
    different price now is refused. The price is charged now, a postponed start included (it
    buys a period from that start); an offer that needs a code is charged when it is confirmed.

    In one transaction, under the customer's account and line locks: replays of the same
    `idempotency_key` return the first order; eligibility is checked again; the order, the
    `pending_active` product instance, the ledger charge and the interaction are written; and the
    activation job is scheduled to run after commit.

    Raises NotEligibleError, AlreadyOwnedError, OfferPriceChangedError, OptionsError,
    PostponeError, InsufficientBalanceError (for each of them nothing is written),
    IdempotencyConflictError (the key was used for something else), Offer.DoesNotExist and
    Line.DoesNotExist (not hers).
    """
    account, line = lock_account_and_line(customer=customer, line_id=line_id)
    replayed = order_replayed(
        customer=customer,
        idempotency_key=idempotency_key,
        action=OrderItem.Action.ADD,
        offer_id=offer_id,
    )
    if replayed is not None:
        return replayed

    now = timezone.now()
    offer = Offer.objects.prefetch_related(*RULES).get(pk=offer_id)
    if line.status != Line.Status.ACTIVE:
        status = line.get_status_display().lower()
        raise NotEligibleError(
            [
                gettext("Line %(msisdn)s is %(status)s.")
                % {"msisdn": msisdn_format(line.msisdn), "status": status}
            ]
        )
    context = customer_context_build(customer=customer, line=line, channel=channel, at=now)
    if offer.pk in context.owned_offer_ids:
        raise AlreadyOwnedError(gettext("%(offer)s is already on.") % {"offer": offer.name})
    decision = offer_decide(offer=offer, context=context)
    if not decision.eligible:
        raise NotEligibleError(decision.reasons)
    if offer.currency != account.currency:
        raise NotEligibleError(
            [
                gettext("This offer is priced in %(offer)s; your account is in %(account)s.")
                % {"offer": offer.currency, "account": account.currency}
            ]
        )

    # Bad input is refused before anything is written.
    if starts_at is not None:
        postpone_check(offer=offer, starts_at=starts_at, at=now)
    options = purchase_options_clean(customer=customer, offer=offer, options=options or {})
    price = offer_price(offer=offer, options=options, channel=channel)
    if expected_price is not None and price != expected_price:
        raise OfferPriceChangedError(price=price, expected=expected_price, currency=offer.currency)
    link = tracked_link_for_purchase(
        customer=customer, offer_id=offer.pk, at=now, from_cart=cart is not None
    )
    instance = ProductInstance.objects.create(
        customer=customer,
        line=line,
        offer=offer,
        price=price,
        # What she has paid: nothing yet if a code must confirm it first.
        paid_amount=0 if offer.requires_confirmation else price,
        status_changed_at=now,
        renews=offer.billing == Billing.RECURRING,
        starts_at=starts_at,
        options=options,
        # Some kinds wait, unscheduled, for something else to start them (a gift's own share).
        status=ProductInstance.Status.SCHEDULED
        if starts_at or kind_for(offer).scheduled_at_purchase(offer=offer)
        else ProductInstance.Status.PENDING_ACTIVE,
    )
    order, item = order_open(
        customer=customer,
        line=line,
        channel=channel,
        idempotency_key=idempotency_key,
        actor_user=actor_user,
        action=OrderItem.Action.ADD,
        instance=instance,
        charge_amount=price,
        cart=cart,
        attributed_link=link,
    )
    if offer.requires_confirmation:
        # Charged only once confirmed; her balance is checked now so she learns early.
        account_balance_check(account=account, amount=price)
        order.await_confirmation()
        order_set_status(
            order=order,
            from_status=Order.Status.ACKNOWLEDGED,
            note=said(gettext_noop("Code sent by SMS")),
        )
        confirmation_code_send(order=order, at=now)
    else:
        if price > 0:
            account_charge(
                account=account,
                amount=price,
                description=offer.name,
                reference=f"charge:order-item:{item.pk}",
            )
        order_start(order=order)
        if instance.status == ProductInstance.Status.PENDING_ACTIVE:
            job_publish_on_commit(product_instance_activate_task, instance.pk)
        elif starts_at:
            product_scheduled_tell(instance=instance)
        product_purchased_record(order=order, instance=instance, at=now)
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.ORDER_PLACED,
        channel=channel,
        actor=actor,
        actor_user=actor_user,
        summary=said(
            gettext_noop("Switched on %(offer)s (%(price)s)"),
            offer=offer.name,
            price=money(price, offer.currency),
        ),
        data={
            "order_id": order.pk,
            "offer_id": offer.pk,
            "link_id": link.pk if link else None,
            "campaign_id": link.campaign_id if link else None,
        },
    )
    return order
