"""One-time confirmation codes: an order for an offer that needs one waits in `pending` until the
customer types the 6-digit code sent to her line by SMS.

A code is valid for 5 minutes and once; 5 wrong tries lock it (she may ask for a new one, up to
a few times). Only a keyed hash of the code is stored, compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, gettext_noop, ngettext

from selfcare.jobs import job_publish_on_commit
from selfcare.models import Customer, Interaction, Notification
from selfcare.said import said
from selfcare.services import account_charge, notification_send

from ..models import ConfirmationCode, Order, OrderItem, ProductInstance
from ..tasks import product_instance_activate_task
from .order_steps import FAILED_FIELDS, OrderError, lock_account_and_line, order_set_status
from .product_events import product_purchased_record
from .product_messages import product_scheduled_tell

CODE_VALID_FOR = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
MAX_CODES_PER_ORDER = 3
MAX_CODES_PER_HOUR = 6


class ConfirmationError(OrderError):
    pass


def _hash(order: Order, code: str) -> str:
    return salted_hmac(f"order-confirmation-{order.pk}", code, algorithm="sha256").hexdigest()


def confirmation_code_send(*, order: Order, at) -> ConfirmationCode:
    """Create a fresh code for `order` (the caller holds its lock) and text it to her line.
    At most MAX_CODES_PER_HOUR codes a customer, over all her orders, so codes cannot be guessed
    by opening order after order. Raises ConfirmationError past that."""
    sent = ConfirmationCode.objects.filter(
        order__customer_id=order.customer_id, created_at__gt=at - dt.timedelta(hours=1)
    ).count()
    if sent >= MAX_CODES_PER_HOUR:
        raise ConfirmationError(
            gettext("Too many codes were sent to you in the last hour: please try again later.")
        )
    code = f"{secrets.randbelow(10**6):06d}"
    record = ConfirmationCode.objects.create(
        order=order, code_hash=_hash(order, code), expires_at=at + CODE_VALID_FOR
    )
    offer = order.items.select_related("offer").get().offer
    notification_send(
        customer=order.customer,
        template="confirmation_code",
        medium=Notification.Medium.SMS,
        context={
            "code": code,
            "offer_name": offer.name,
            "valid_minutes": int(CODE_VALID_FOR.total_seconds() // 60),
        },
    )
    return record


def _pending_order(*, customer: Customer, order_id: int) -> tuple:
    order = Order.objects.get(pk=order_id, customer=customer)
    account, _ = lock_account_and_line(customer=customer, line_id=order.line_id)
    order = Order.objects.select_for_update(no_key=True).get(pk=order.pk)
    if order.status != Order.Status.PENDING:
        raise ConfirmationError(gettext("This order is not waiting for a code any more."))
    return account, order


def order_confirm(*, customer: Customer, order_id: int, code: str, actor_user=None) -> Order:
    """Check the code; if right, charge, start the order and schedule activation after commit.

    A wrong code counts against the code's tries even though the call raises: the count is
    committed before the error. Raises ConfirmationError (with what to do next),
    InsufficientBalanceError, Order.DoesNotExist (not hers).
    """
    error = None
    with transaction.atomic():
        account, order = _pending_order(customer=customer, order_id=order_id)
        record = order.confirmation_codes.select_for_update(no_key=True).first()
        now = timezone.now()
        if record is None or record.used_at is not None:
            raise ConfirmationError(gettext("Ask for a new code."))
        if record.attempts >= MAX_ATTEMPTS:
            raise ConfirmationError(gettext("Too many wrong codes: ask for a new one."))
        if now >= record.expires_at:
            raise ConfirmationError(gettext("This code has expired: ask for a new one."))
        if not hmac.compare_digest(record.code_hash, _hash(order, code)):
            record.attempts += 1
            record.save(update_fields=["attempts"])
            left = MAX_ATTEMPTS - record.attempts
            error = (
                ngettext(
                    "That code is not right: %(left)s tries left.",
                    "That code is not right: %(left)s tries left.",
                    left,
                )
                % {"left": left}
                if left
                else gettext("That code is not right, and it is now locked: ask for a new one.")
            )
        else:
            item = order.items.select_related("offer", "product_instance").get()
            if item.charge_amount > 0:
                account_charge(
                    account=account,
                    amount=item.charge_amount,
                    description=item.offer.name,
                    reference=f"charge:order-item:{item.pk}",
                )
                ProductInstance.objects.filter(pk=item.product_instance_id).update(
                    paid_amount=item.charge_amount
                )
            record.used_at = now
            record.save(update_fields=["used_at"])
            order.start()
            product_purchased_record(order=order, instance=item.product_instance, at=now)
            order_set_status(
                order=order,
                from_status=Order.Status.PENDING,
                note=said(gettext_noop("Code confirmed")),
                actor=Interaction.Actor.CUSTOMER,
                actor_user=actor_user,
            )
            if item.product_instance.status == ProductInstance.Status.PENDING_ACTIVE:
                # Pending since the purchase: the stuck sweep's deadline starts now.
                ProductInstance.objects.filter(pk=item.product_instance_id).update(
                    last_attempt_at=now
                )
                job_publish_on_commit(product_instance_activate_task, item.product_instance_id)
            elif item.product_instance.starts_at:
                scheduled = ProductInstance.objects.select_related("offer", "customer").get(
                    pk=item.product_instance_id
                )
                product_scheduled_tell(instance=scheduled)
    if error:
        raise ConfirmationError(error)
    return order


@transaction.atomic
def order_confirmation_resend(*, customer: Customer, order_id: int) -> ConfirmationCode:
    """Send a new code, which replaces the last one. Raises ConfirmationError past the limit."""
    _, order = _pending_order(customer=customer, order_id=order_id)
    if order.confirmation_codes.count() >= MAX_CODES_PER_ORDER:
        raise ConfirmationError(
            gettext("No more codes can be sent for this order: please start again.")
        )
    order.confirmation_codes.filter(used_at__isnull=True).update(used_at=timezone.now())
    return confirmation_code_send(order=order, at=timezone.now())


@transaction.atomic
def order_confirmation_expire(*, order_id: int) -> Order | None:
    """Cancel an order whose codes all went unconfirmed; its product is marked failed (nothing was
    charged). Does nothing to an order no longer pending or with a code still valid."""
    order = Order.objects.select_for_update(no_key=True).filter(pk=order_id).first()
    now = timezone.now()
    if order is None or order.status != Order.Status.PENDING:
        return order
    if order.confirmation_codes.filter(used_at__isnull=True, expires_at__gt=now).exists():
        return order
    late = said(gettext_noop("Not confirmed in time"))
    order.cancel(reason=late, at=now)
    order_set_status(order=order, from_status=Order.Status.PENDING, note=late)
    instance = ProductInstance.objects.select_for_update(no_key=True).get(
        order_items__order=order, order_items__action=OrderItem.Action.ADD
    )
    instance.fail(reason=late, at=now)
    instance.save(update_fields=FAILED_FIELDS)
    return order
