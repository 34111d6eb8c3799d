"""Changing the options of a configurable bundle (My Fixed Price Bundle) while it runs."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from selfcare.models import Bucket, Customer, Interaction
from selfcare.said import said
from selfcare.services import account_charge, account_credit

from ..models import Order, ProductInstance
from ..selectors import product_instance_modify_quote
from ..selectors.actions import AddonAction
from .activation import buckets_grant
from .order_steps import ControlDone, ControlStep, OrderError, control_order_run
from .product_messages import product_changed_tell
from .purchase import bundle_options_clean


class ModifyChangedError(OrderError):
    """The price effect is not what she was shown; she must confirm again."""


@transaction.atomic
def product_instance_modify(
    *,
    customer: Customer,
    product_instance_id: int,
    options: dict,
    channel: str,
    idempotency_key: str,
    expected_due_now: Decimal | None = None,
    actor: str = Interaction.Actor.CUSTOMER,
    actor_user=None,
) -> Order:
    """Change a bundle's options now. Under the customer's locks: the difference for the rest of
    the period (as quoted, and equal to `expected_due_now` when given) is charged or refunded,
    the allowances are replaced by the new ones for the rest of the period (what she used so far
    still counts), and renewals charge the new price. An order of its own, completed at once.

    Raises OptionsError (field and message), ModifyChangedError, InsufficientBalanceError,
    OrderError (not changeable now, by `product_instance_actions`), ProductInstance.DoesNotExist
    (not hers)."""

    def work(step: ControlStep) -> ControlDone:
        instance, account = step.instance, step.account
        # Locked with her and her line: no need to read them again.
        instance.line, instance.customer = step.line, customer
        offer = instance.offer
        chosen = bundle_options_clean(offer=offer, options=options)
        quote = product_instance_modify_quote(
            product_instance=instance, options=chosen, at=step.at, channel=channel
        )
        if expected_due_now is not None and quote.due_now != expected_due_now:
            raise ModifyChangedError(
                gettext("The price of this change has changed: please confirm again.")
            )

        item = step.open(charge_amount=quote.charge_now, refund_amount=quote.refund_now)
        changed = said(gettext_noop("%(offer)s: options changed"), offer=offer.name)
        if quote.due_now > 0:
            account_charge(
                account=account,
                amount=quote.due_now,
                description=changed,
                reference=f"charge:order-item:{item.pk}",
            )
        elif quote.due_now < 0:
            account_credit(
                account=account,
                amount=-quote.due_now,
                description=changed,
                reference=f"refund:order-item:{item.pk}",
            )
        instance.reconfigure(
            options={**instance.options, **chosen},
            price=quote.new_price,
            paid=instance.paid_amount + quote.due_now,
        )
        instance.save(update_fields=["options", "price", "paid_amount"])
        _allowances_replace(instance, at=step.at)
        product_changed_tell(instance=instance, after=quote.after, due_now=quote.due_now)
        return ControlDone(
            summary=said(
                gettext_noop("Changed %(offer)s: %(now)s"),
                offer=offer.name,
                now="; ".join(quote.after),
            )
        )

    return control_order_run(
        customer=customer,
        product_instance_id=product_instance_id,
        action=AddonAction.CHANGE,
        channel=channel,
        idempotency_key=idempotency_key,
        actor=actor,
        actor_user=actor_user,
        refused=OrderError,
        work=work,
    )


def _allowances_replace(instance: ProductInstance, *, at) -> None:
    """New allowances for the rest of the period; everything she used in the period so far —
    on allowances still open or already replaced — counts against them, so changing options
    back and forth never hands out fresh data."""
    period = Bucket.objects.select_for_update(no_key=True).filter(
        granted_by_instance=instance.pk,
        valid_from__gte=instance.period_started_at or instance.started_at,
    )
    consumed = defaultdict(int)
    for bucket in period:
        consumed[(bucket.unit, bucket.scope)] += bucket.used - bucket.carried
    period.filter(valid_until__gt=at).update(valid_until=at)
    for bucket in buckets_grant(instance, at=at, ends_at=instance.ends_at):
        carried = min(consumed[(bucket.unit, bucket.scope)], bucket.initial)
        if carried:
            bucket.used = bucket.carried = carried
            bucket.save(update_fields=["used", "carried"])
