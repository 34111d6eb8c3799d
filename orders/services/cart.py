"""The shared cart: one open cart per customer, edited by her in the portal and by an agent on
the phone, and checked out into orders.

Every edit says which version of the cart it was made on; an edit on an older version is refused
(`CartStaleError`, carrying the cart as it is now), so two people never silently overwrite each
other. Every service locks the customer's account first, the same lock purchases take, so cart
edits, checkouts and purchases of one customer run one at a time.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from catalog.eligibility import offer_decide
from catalog.models import Offer
from catalog.policies import money_text
from selfcare.models import Account, Customer, Interaction, Line
from selfcare.phones import msisdn_format
from selfcare.said import Said, money, said
from selfcare.selectors import line_get_home
from selfcare.services import interaction_record, notification_send

from ..models import Cart, CartItem, Order
from ..selectors.cart import CHANNEL_LABELS, cart_quote
from ..selectors.products import customer_context_build
from .order_steps import OrderError
from .purchase import product_instance_purchase, purchase_options_clean


class CartError(OrderError):
    pass


class CartStaleError(CartError):
    """The cart changed since the editor saw it; `cart` is how it is now."""

    def __init__(self, cart: Cart | None):
        if cart is None:
            message = gettext(
                "Your cart was changed since you last saw it, so nothing was changed now. "
                "Here it is as it is now: check it and try again."
            )
        else:
            message = gettext(
                "Your cart was changed (by %(editor)s) since you last saw it, so nothing was "
                "changed now. Here it is as it is now: check it and try again."
            ) % {"editor": _editor(cart)}
        super().__init__(message)
        self.cart = cart


class PriceChangedError(CartError):
    def __init__(self, total: Decimal, currency: str):
        super().__init__(
            gettext(
                "The total is now %(total)s: the prices changed since you saw them. Check the "
                "cart and check out again."
            )
            % {"total": money_text(total, currency)}
        )
        self.total = total


def _editor(cart: Cart) -> str:
    channel = CHANNEL_LABELS.get(cart.changed_on, cart.changed_on)
    user = cart.changed_by
    if cart.changed_on == "agent" and user is not None:
        return f"{user.get_full_name() or user.get_username()}, {channel.lower()}"
    if cart.changed_on == "portal":
        return gettext("you, in the %(channel)s") % {"channel": channel.lower()}
    return channel.lower()


def _lock(*, customer: Customer, version: int | None, item_id: int | None = None):
    """Lock her account, then her open cart; refuse if the cart is not at `version` (0: she saw
    no cart; None: any version will do, for an addition, which overwrites nothing). With
    `item_id`, also return that item of her open cart (CartItem.DoesNotExist if it is not one:
    someone else's item is not found, whatever the version)."""
    Account.objects.select_for_update(no_key=True).get(customer=customer)
    cart = (
        Cart.objects.select_for_update(of=("self",), no_key=True)
        .filter(customer=customer, status=Cart.Status.OPEN)
        .select_related("changed_by")
        .first()
    )
    item = None
    if item_id is not None:
        item = CartItem.objects.select_related("offer").get(pk=item_id, cart=cart)
    if version is not None and (cart.version if cart else 0) != version:
        raise CartStaleError(cart)
    return (cart, item) if item_id is not None else cart


def _changed(*, cart: Cart, channel: str, actor: str, actor_user, summary: Said, **data) -> Cart:
    cart.version += 1
    cart.changed_on = channel
    cart.changed_by = actor_user
    cart.save(update_fields=["version", "changed_on", "changed_by", "updated_at"])
    if actor == Interaction.Actor.AGENT and actor_user is not None:
        agent = actor_user.get_full_name() or actor_user.get_username()
        summary = said(gettext_noop("%(what)s (agent %(agent)s)"), what=summary, agent=agent)
    interaction_record(
        customer=cart.customer,
        kind=Interaction.Kind.CART_CHANGED,
        channel=channel,
        actor=actor,
        actor_user=actor_user,
        summary=summary,
        data={"cart_id": cart.pk, "version": cart.version, **data},
    )
    return cart


@transaction.atomic
def cart_item_add(
    *,
    customer: Customer,
    offer_id: int,
    channel: str,
    version: int | None = None,
    line_id: int | None = None,
    options: dict | None = None,
    actor: str = Interaction.Actor.CUSTOMER,
    actor_user=None,
) -> Cart:
    """Put an offer in her cart (opened if she has none) for `line_id` (her home line,
    `line_get_home`, if not given), with `options` checked as a purchase would check them. The
    line must be active, and the offer one she can buy on `channel` now. Raises CartStaleError,
    CartError (no active line, or not eligible), OptionsError, Offer.DoesNotExist,
    Line.DoesNotExist (not hers)."""
    cart = _lock(customer=customer, version=version)
    line = (
        Line.objects.get(pk=line_id, customer=customer)
        if line_id is not None
        else line_get_home(customer=customer)
    )
    if line is None or line.status != Line.Status.ACTIVE:
        raise CartError(gettext("There is no active line to add it to."))
    offer = Offer.objects.get(pk=offer_id)
    if cart is not None and cart.items.filter(offer=offer, line=line).exists():
        raise CartError(gettext("%(offer)s is already in the cart.") % {"offer": offer.name})
    now = timezone.now()
    context = customer_context_build(customer=customer, line=line, channel=channel, at=now)
    if offer.pk in context.owned_offer_ids:
        raise CartError(
            gettext("%(offer)s is already on for %(msisdn)s.")
            % {"offer": offer.name, "msisdn": msisdn_format(line.msisdn)}
        )
    decision = offer_decide(offer=offer, context=context)
    if not decision.eligible:
        raise CartError(" ".join(decision.reasons))
    cleaned = purchase_options_clean(customer=customer, offer=offer, options=options or {})
    if cart is None:
        cart = Cart.objects.create(customer=customer, changed_on=channel, changed_by=actor_user)
        cart.version = 0
    CartItem.objects.create(
        cart=cart,
        offer=offer,
        line=line,
        options=cleaned,
        added_on=channel,
        added_by=actor_user,
    )
    return _changed(
        cart=cart,
        channel=channel,
        actor=actor,
        actor_user=actor_user,
        summary=said(gettext_noop("Added %(offer)s to the cart"), offer=offer.name),
        offer_id=offer.pk,
    )


@transaction.atomic
def cart_item_configure(
    *,
    customer: Customer,
    item_id: int,
    options: dict,
    version: int,
    channel: str,
    actor: str = Interaction.Actor.CUSTOMER,
    actor_user=None,
) -> Cart:
    """Change the options of an item in her cart. Raises CartStaleError, OptionsError,
    CartItem.DoesNotExist (not in her open cart)."""
    cart, item = _lock(customer=customer, version=version, item_id=item_id)
    item.options = purchase_options_clean(customer=customer, offer=item.offer, options=options)
    item.save(update_fields=["options"])
    return _changed(
        cart=cart,
        channel=channel,
        actor=actor,
        actor_user=actor_user,
        summary=said(
            gettext_noop("Changed the options of %(offer)s in the cart"), offer=item.offer.name
        ),
        offer_id=item.offer_id,
        options=item.options,
    )


@transaction.atomic
def cart_item_remove(
    *,
    customer: Customer,
    item_id: int,
    version: int,
    channel: str,
    actor: str = Interaction.Actor.CUSTOMER,
    actor_user=None,
) -> Cart:
    """Take an item out of her cart. Raises CartStaleError, CartItem.DoesNotExist."""
    cart, item = _lock(customer=customer, version=version, item_id=item_id)
    item.delete()
    return _changed(
        cart=cart,
        channel=channel,
        actor=actor,
        actor_user=actor_user,
        summary=said(gettext_noop("Removed %(offer)s from the cart"), offer=item.offer.name),
        offer_id=item.offer_id,
    )


@transaction.atomic
def cart_checkout(
    *,
    customer: Customer,
    cart_id: int,
    version: int,
    channel: str,
    expected_total: Decimal | None = None,
    actor: str = Interaction.Actor.CUSTOMER,
    actor_user=None,
) -> list[Order]:
    """Turn her open cart into orders at the prices of `channel`: one order per item, so each
    add-on activates, fails and is refunded on its own, all placed in one transaction (one item
    she cannot buy, or too little balance for all of them, and nothing is bought). An item whose
    offer needs a confirmation code waits for it like a switch's purchase.

    Checking out twice makes one set of orders: a second checkout of the same cart returns the
    first one's orders. `expected_total` is the total she was shown; a different total now is
    refused. Raises CartStaleError, CartError, PriceChangedError, InsufficientBalanceError and
    what `product_instance_purchase` raises.
    """
    Account.objects.select_for_update(no_key=True).get(customer=customer)
    done = Cart.objects.filter(
        pk=cart_id, customer=customer, status=Cart.Status.CHECKED_OUT
    ).first()
    if done is not None:
        return list(done.orders.order_by("id"))
    cart = _lock(customer=customer, version=version)
    if cart is None or not cart.items.exists():
        raise CartError(gettext("Your cart is empty."))
    if cart.pk != cart_id:
        raise CartStaleError(cart)
    # Read again with everything the quote needs prefetched (the row is locked above).
    quote = cart_quote(customer=customer, channel=channel)
    if quote.problems:
        raise CartError(" ".join(quote.problems))
    if expected_total is not None and quote.total != expected_total:
        raise PriceChangedError(quote.total, quote.currency)
    orders = [
        product_instance_purchase(
            customer=customer,
            line_id=line.item.line_id,
            offer_id=line.item.offer_id,
            channel=channel,
            idempotency_key=f"cart:{cart.pk}:item:{line.item.pk}",
            actor=actor,
            actor_user=actor_user,
            options=line.item.options,
            cart=cart,
        )
        for line in quote.lines
    ]
    cart.status = Cart.Status.CHECKED_OUT
    cart.checkout_channel = channel
    cart.checked_out_at = timezone.now()
    cart.save(update_fields=["status", "checkout_channel", "checked_out_at", "updated_at"])
    names = ", ".join(line.offer.name for line in quote.lines)
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.CHECKOUT,
        channel=channel,
        actor=actor,
        actor_user=actor_user,
        summary=said(
            gettext_noop("Checked out %(offers)s: %(total)s (saved %(saved)s)")
            if quote.discount
            else gettext_noop("Checked out %(offers)s: %(total)s"),
            offers=names,
            total=money(quote.total, quote.currency),
            **({"saved": money(quote.discount, quote.currency)} if quote.discount else {}),
        ),
        data={
            "cart_id": cart.pk,
            "order_ids": [order.pk for order in orders],
            "total": str(quote.total),
        },
    )
    return orders


@transaction.atomic
def cart_share(*, customer: Customer, actor_user, channel: str = "agent"):
    """Send her open cart to her: an SMS whose tracked link opens the cart in the portal (after
    she signs in), recorded in her history with the agent who sent it. Raises CartError if she has
    no cart or it is empty."""
    cart = Cart.objects.filter(customer=customer, status=Cart.Status.OPEN).first()
    if cart is None or not cart.items.exists():
        raise CartError(gettext("Her cart is empty: add something before sending it."))
    agent = actor_user.get_full_name() or actor_user.get_username()
    notification = notification_send(
        customer=customer,
        template="cart_shared",
        context={"agent_name": agent},
        medium="sms",
        link_target="/cart/",
    )
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.CART_CHANGED,
        channel=channel,
        actor=Interaction.Actor.AGENT,
        actor_user=actor_user,
        summary=said(
            gettext_noop("Sent the cart to the customer by SMS (agent %(agent)s)"), agent=agent
        ),
        data={"cart_id": cart.pk, "notification_id": notification.pk},
    )
    return notification
