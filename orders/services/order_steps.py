"""The steps every order goes through, whatever it does: the locks taken in one order, the
replay check, opening the order and its item, starting and completing it, and the status history
and her history rows each step writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from selfcare.models import Account, Channel, Customer, Interaction, Line
from selfcare.said import Said, choice, said
from selfcare.services import interaction_record

from ..models import Order, OrderItem, OrderStatusChange, ProductInstance
from ..selectors.actions import AddonAction, product_instance_actions


class OrderError(Exception):
    """A customer's request that cannot be carried out; the message says why, in her words."""


class IdempotencyConflictError(OrderError):
    pass


def lock_account_and_line(*, customer: Customer, line_id: int) -> tuple[Account, Line]:
    """Lock the customer's account, then the line, always in that order, so that every purchase,
    cancel and limit check of one customer runs one at a time. Raises Line.DoesNotExist if the
    line is not the customer's."""
    account = Account.objects.select_for_update(no_key=True).get(customer=customer)
    line = Line.objects.select_for_update(no_key=True).get(pk=line_id, customer=customer)
    return account, line


def lock_customer_product(*, customer: Customer, product_instance_id: int):
    """Lock the customer's account and line, then her product, in that order (the order every
    service locks in). Returns (account, line, product). Raises ProductInstance.DoesNotExist if
    the product is not hers."""
    instance = ProductInstance.objects.get(pk=product_instance_id, customer=customer)
    account, line = lock_account_and_line(customer=customer, line_id=instance.line_id)
    instance = (
        ProductInstance.objects.select_for_update(no_key=True)
        .select_related("offer")
        .get(pk=instance.pk)
    )
    return account, line, instance


def lock_for_control(
    *, customer: Customer, product_instance_id: int, idempotency_key: str, action: str
):
    """`lock_customer_product`, then the order a replay of this request already made (or None).
    Returns (account, line, product, replayed)."""
    account, line, instance = lock_customer_product(
        customer=customer, product_instance_id=product_instance_id
    )
    replayed = order_replayed(
        customer=customer,
        idempotency_key=idempotency_key,
        action=action,
        product_instance=instance,
    )
    return account, line, instance, replayed


def order_open(
    *,
    customer: Customer,
    line: Line,
    channel: str,
    idempotency_key: str,
    actor_user,
    action: str,
    instance,
    charge_amount=0,
    refund_amount=0,
    cart=None,
    attributed_link=None,
):
    """Write a new order with its one item acting on `instance`. Returns (order, item)."""
    order = order_create(
        customer=customer,
        line=line,
        channel=channel,
        idempotency_key=idempotency_key,
        placed_by=actor_user,
        cart=cart,
        attributed_link=attributed_link,
    )
    item = OrderItem.objects.create(
        order=order,
        action=action,
        offer=instance.offer,
        product_instance=instance,
        charge_amount=charge_amount,
        refund_amount=refund_amount,
    )
    return order, item


# The order item each action on a product she owns is recorded as.
ITEM_ACTIONS = {
    AddonAction.CHANGE: OrderItem.Action.MODIFY,
    AddonAction.SUSPEND: OrderItem.Action.SUSPEND,
    AddonAction.RESUME: OrderItem.Action.RESUME,
    AddonAction.STOP_RENEWAL: OrderItem.Action.STOP_RENEWAL,
    AddonAction.SWITCH_OFF: OrderItem.Action.TERMINATE,
}


@dataclass
class ControlStep:
    """A control order under way, as its work sees it: the locked account, line and product,
    the time, and the order with its item once `open` has written them."""

    customer: Customer
    account: Account
    line: Line
    instance: ProductInstance
    at: dt.datetime
    channel: str
    idempotency_key: str
    actor_user: object
    item_action: str
    order: Order | None = None
    item: OrderItem | None = None

    def open(self, *, charge_amount=0, refund_amount=0) -> OrderItem:
        """Write the order and its item, with what it charges or refunds (once)."""
        self.order, self.item = order_open(
            customer=self.customer,
            line=self.line,
            channel=self.channel,
            idempotency_key=self.idempotency_key,
            actor_user=self.actor_user,
            action=self.item_action,
            instance=self.instance,
            charge_amount=charge_amount,
            refund_amount=refund_amount,
        )
        return self.item


@dataclass(frozen=True)
class ControlDone:
    """What a control order's work did, for her history. `completed` False: the work goes on
    after commit (a switch-off's deprovisioning completes its order), so it stays in progress."""

    summary: Said
    data: dict = field(default_factory=dict)
    completed: bool = True


def control_order_run(
    *,
    customer: Customer,
    product_instance_id: int,
    action: str,
    channel: str,
    idempotency_key: str,
    actor: str,
    actor_user,
    refused: type[OrderError],
    work: Callable[[ControlStep], ControlDone],
) -> Order:
    """The sequence of every order acting on a product she owns (suspend, resume, change,
    renewal off, switch off), written once, inside the caller's transaction:

    lock her account, line and product in that order; a replay of `idempotency_key` returns the
    order it made, nothing else done; `action` refused by `product_instance_actions` raises
    `refused` with its reason, nothing written; else `work` runs on the locked rows (it may
    raise before it opens the order with `step.open(...)`, once it knows what that charges or
    refunds; if it does not, the order is opened after it), then the order is started and,
    unless the work goes on after commit, completed, and recorded in her history.
    Raises ProductInstance.DoesNotExist (not hers), IdempotencyConflictError, `refused`."""
    item_action = ITEM_ACTIONS[action]
    account, line, instance, replayed = lock_for_control(
        customer=customer,
        product_instance_id=product_instance_id,
        idempotency_key=idempotency_key,
        action=item_action,
    )
    if replayed is not None:
        return replayed
    now = timezone.now()
    refusal = product_instance_actions(product_instance=instance, at=now).refusal(action)
    if refusal:
        raise refused(refusal)
    step = ControlStep(
        customer=customer,
        account=account,
        line=line,
        instance=instance,
        at=now,
        channel=channel,
        idempotency_key=idempotency_key,
        actor_user=actor_user,
        item_action=item_action,
    )
    done = work(step)
    if step.order is None:
        step.open()
    record = {"actor": actor, "actor_user": actor_user, "summary": done.summary, **done.data}
    if done.completed:
        return order_done_at_once(order=step.order, instance=instance, at=now, **record)
    order_start(order=step.order)
    order_placed_record(order=step.order, instance=instance, **record)
    return step.order


def order_placed_record(*, order: Order, instance, actor: str, actor_user, summary: Said, **data):
    """The interaction row of an order placed by the customer or an agent for her."""
    interaction_record(
        customer=order.customer,
        kind=Interaction.Kind.ORDER_PLACED,
        channel=order.channel,
        actor=actor,
        actor_user=actor_user,
        summary=summary,
        data={"order_id": order.pk, "product_instance_id": instance.pk, **data},
    )


def order_done_at_once(
    *, order: Order, instance, at, actor: str, actor_user, summary: Said, **data
) -> Order:
    """Start and complete an order whose work is all done in its own transaction (suspend,
    resume, a change of options, renewal turned off), and record it in her history."""
    order_start(order=order)
    order_complete(order=order, at=at)
    order_placed_record(
        order=order, instance=instance, actor=actor, actor_user=actor_user, summary=summary, **data
    )
    return order


def order_set_status(
    *,
    order: Order,
    from_status: str,
    note: str = "",
    actor: str = Interaction.Actor.SYSTEM,
    actor_user=None,
) -> None:
    """Save an order after a transition, write its status-history row, and record the change in
    the customer's history (by the system unless a person's action caused it). An order started
    as it is placed is not recorded twice: its "placed" row says so."""
    order.save(update_fields=["status", "failure_reason", "completed_at"])
    OrderStatusChange.objects.create(
        order=order, from_status=from_status, to_status=order.status, note=note[:255]
    )
    if (from_status, order.status) == (Order.Status.ACKNOWLEDGED, Order.Status.IN_PROGRESS):
        return
    interaction_record(
        customer=order.customer,
        kind=Interaction.Kind.ORDER_STATUS,
        channel=order.channel if actor != Interaction.Actor.SYSTEM else Channel.SYSTEM,
        actor=actor,
        actor_user=actor_user,
        summary=_status_said(order, note),
        data={"order_id": order.pk, "from": from_status, "to": order.status},
    )


# What `ProductInstance.fail` changes, to save.
FAILED_FIELDS = ["status", "status_reason", "status_said", "status_changed_at", "terminated_at"]


def status_reason_said(*, actor: str, by_her: str, by_agent: str, reason: str) -> Said:
    """Why an add-on's status changed: `by_her` or `by_agent` (msgids) by who did it, and the
    reason typed, if any, after a colon."""
    why = said(by_her if actor == Interaction.Actor.CUSTOMER else by_agent)
    if reason:
        why = said(gettext_noop("%(why)s: %(reason)s"), why=why, reason=reason)
    return why


def _status_said(order: Order, note: str) -> Said:
    """Her history's line for an order's new status, said in the reader's language: "Order #12:
    completed (Code confirmed)"."""
    status = choice(Order.Status, order.status, lower=True)
    line = said(gettext_noop("Order #%(order)s: %(status)s"), order=order.pk, status=status)
    if note:
        line = said(gettext_noop("%(what)s (%(note)s)"), what=line, note=note)
    return line


def order_create(
    *,
    customer: Customer,
    line: Line,
    channel: str,
    idempotency_key: str,
    placed_by,
    cart=None,
    attributed_link=None,
) -> Order:
    order = Order.objects.create(
        customer=customer,
        line=line,
        channel=channel,
        idempotency_key=idempotency_key,
        placed_by=placed_by,
        cart=cart,
        attributed_link=attributed_link,
    )
    OrderStatusChange.objects.create(order=order, to_status=order.status)
    return order


def order_replayed(
    *, customer: Customer, idempotency_key: str, action: str, **item
) -> Order | None:
    """The order a replayed request already made, or None for a new request. A key reused for
    something else is refused: a replay must never turn into a different order."""
    existing = Order.objects.filter(customer=customer, idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if not OrderItem.objects.filter(order=existing, action=action, **item).exists():
        raise IdempotencyConflictError(gettext("This request was already used for another order."))
    return existing


def order_complete(*, order: Order, at) -> None:
    order.complete(at=at)
    order_set_status(order=order, from_status=Order.Status.IN_PROGRESS)


def order_start(*, order: Order) -> None:
    previous = order.status
    order.start()
    order_set_status(order=order, from_status=previous)
