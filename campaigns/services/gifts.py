"""Promotions sent by hand, and gifts between customers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_fsm import can_proceed

from catalog.models import SalesChannel
from orders.models import ProductInstance
from orders.selectors import customer_context_build
from orders.services import product_instance_grant, product_instance_purchase
from orders.services.activation import product_instance_start
from orders.services.order_steps import OrderError
from selfcare.jobs import job_fan_out
from selfcare.models import Channel, Customer, Interaction, Notification
from selfcare.said import said
from selfcare.selectors import line_get_home
from selfcare.services import interaction_record, notification_send

from .. import engine
from ..models import Campaign, Gift, GiftStatusChange
from ..tasks import gift_return_task

GIFT_VALID_FOR = dt.timedelta(days=7)


class GiftError(OrderError):
    pass


class PromotionError(Exception):
    """A promotion must not reach her; the message says why. Nothing was written."""


class NoConsentError(PromotionError):
    """She has not agreed to marketing messages: a promotion must not reach her."""


class NotOfferableError(PromotionError):
    """She owns the promoted offer already, or cannot buy it: never promoted to her."""


@transaction.atomic
def campaign_promotion_send(*, campaign: Campaign, customer: Customer) -> Notification:
    """Send a campaign's promotion to one customer by SMS: its message and a tracked link to the
    offer in the portal, so her click is recorded against the message and the campaign, and a
    purchase that follows is credited to them. Leaves after commit. Raises NoConsentError (nothing
    written) if she has not agreed to marketing messages, NotOfferableError if she owns the offer
    or cannot buy it (the eligibility engine's rules, as a lifecycle campaign decides)."""
    if not customer.marketing_consent:
        raise NoConsentError(f"{customer.name} has not agreed to marketing messages.")
    if campaign.offer is not None:
        _offerable_check(offer=campaign.offer, customer=customer)
    return notification_send(
        customer=customer,
        template="promotion",
        context={
            "message": campaign.message.replace("{name}", customer.first_name).replace(
                "{first_name}", customer.first_name
            )
        },
        medium=Notification.Medium.SMS,
        campaign_id=campaign.pk,
        link_target=f"/offers/{campaign.offer_id}/",
        link_offer=campaign.offer,
    )


def _offerable_check(*, offer, customer: Customer) -> None:
    line = line_get_home(customer=customer)
    if line is None:
        raise NotOfferableError(f"{customer.name} has no line to buy {offer.name} for.")
    context = customer_context_build(
        customer=customer, line=line, channel=SalesChannel.PORTAL, at=timezone.now()
    )
    refusal = engine.offer_refusal(offer=offer, context=context)
    if refusal is None:
        return
    if refusal.owned:
        raise NotOfferableError(f"{customer.name} owns {offer.name} already.")
    raise NotOfferableError(f"{customer.name} cannot buy {offer.name}: {' '.join(refusal.reasons)}")


@transaction.atomic
def gift_send(
    *,
    customer: Customer,
    line_id: int,
    offer_id: int,
    friend_msisdn: str,
    channel: str,
    idempotency_key: str,
    actor_user=None,
    expected_price: Decimal | None = None,
) -> Gift:
    """Buy a gift offer for a friend's number: charged now (refused if not at `expected_price`,
    the price she was shown); her own share waits for the friend. The gift starts `sent`, the
    first row of its status history. The friend is told by SMS and in her inbox. A replay
    returns the first gift. Raises what `product_instance_purchase` raises (OptionsError for a
    wrong number, said next to it)."""
    order = product_instance_purchase(
        customer=customer,
        line_id=line_id,
        offer_id=offer_id,
        channel=channel,
        idempotency_key=idempotency_key,
        actor_user=actor_user,
        options={"friend_msisdn": friend_msisdn},
        expected_price=expected_price,
    )
    share = ProductInstance.objects.select_related("offer").get(order_items__order=order)
    existing = Gift.objects.filter(giver_product=share).first()
    if existing is not None:
        return existing
    gift = Gift.objects.create(
        giver=customer,
        giver_product=share,
        recipient_line_id=share.options["friend_line_id"],
        expires_at=timezone.now() + GIFT_VALID_FOR,
    )
    GiftStatusChange.objects.create(gift=gift, to_status=gift.status, changed_at=gift.created_at)
    friend = gift.recipient_line.customer
    for medium in (Notification.Medium.SMS, Notification.Medium.IN_APP):
        notification_send(
            customer=friend,
            template="gift_received",
            medium=medium,
            context={
                "giver_name": customer.name,
                "offer_name": share.offer.name,
                "days": GIFT_VALID_FOR.days,
            },
        )
    return gift


@transaction.atomic
def gift_accept(*, customer: Customer, gift_id: int, actor_user=None) -> Gift:
    """The friend accepts: her gift is granted (free) on the line it was sent to; once it is
    active, the giver's share starts too. Locks the gift; writes its status-history row. Raises
    Gift.DoesNotExist (not hers), GiftError (nothing written)."""
    gift = Gift.objects.select_for_update(of=("self",), no_key=True).get(
        pk=gift_id, recipient_line__customer=customer
    )
    if not can_proceed(gift.accept):
        raise GiftError("This gift was already accepted or has come back to its giver.")
    if timezone.now() >= gift.expires_at:
        raise GiftError("This gift has expired.")
    order = product_instance_grant(
        customer=customer,
        line_id=gift.recipient_line_id,
        offer_id=gift.giver_product.offer_id,
        idempotency_key=f"gift-{gift.pk}",
        options={"gift_from_instance": gift.giver_product_id},
    )
    at = timezone.now()
    gift.accept(recipient_product=ProductInstance.objects.get(order_items__order=order), at=at)
    gift_set_status(gift=gift, from_status=Gift.Status.SENT, at=at)
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.ORDER_PLACED,
        channel=Channel.PORTAL,
        actor=Interaction.Actor.CUSTOMER,
        actor_user=actor_user,
        summary=said(gettext_noop("Accepted a gift from %(giver)s"), giver=gift.giver.name),
        data={"gift_id": gift.pk},
    )
    return gift


def gift_return_due(*, at: dt.datetime | None = None) -> int:
    """Give every unaccepted gift past its 7 days back to its giver: her share starts now, so the
    data is hers. Returns how many."""
    ids = list(
        Gift.objects.filter(
            status=Gift.Status.SENT, expires_at__lte=at or timezone.now()
        ).values_list("pk", flat=True)
    )
    return job_fan_out(task=gift_return_task, ids=ids)


@transaction.atomic
def gift_return(*, gift_id: int) -> None:
    """Give one unaccepted gift back to its giver (locked; its status-history row written);
    nothing if it was accepted or given back meanwhile."""
    gift = (
        Gift.objects.select_for_update(of=("self",), no_key=True)
        .select_related("giver_product__offer", "giver", "recipient_line")
        .get(pk=gift_id)
    )
    if not can_proceed(gift.give_back):
        return
    at = timezone.now()
    gift.give_back(at=at)
    gift_set_status(
        gift=gift,
        from_status=Gift.Status.SENT,
        at=at,
        note=f"Not accepted within {GIFT_VALID_FOR.days} days",
    )
    product_instance_start(product_instance_id=gift.giver_product_id, even_if_not_due=True)
    notification_send(
        customer=gift.giver,
        template="gift_returned",
        medium=Notification.Medium.SMS,
        context={
            "offer_name": gift.giver_product.offer.name,
            "friend_msisdn": gift.recipient_line.msisdn,
            "days": GIFT_VALID_FOR.days,
        },
    )


def gift_set_status(*, gift: Gift, from_status: str, at: dt.datetime, note: str = "") -> None:
    """Save a locked gift after a transition and write its status-history row, in the caller's
    transaction."""
    gift.save(update_fields=["status", "recipient_product", "settled_at"])
    GiftStatusChange.objects.create(
        gift=gift,
        from_status=from_status,
        to_status=gift.status,
        note=note[:255],
        changed_at=at,
    )
