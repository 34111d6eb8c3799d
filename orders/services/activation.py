from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from catalog.models import DataScope
from catalog.policies import period_end
from selfcare.jobs import job_publish_on_commit
from selfcare.models import BYTES_PER_MB, SECONDS_PER_MINUTE, Bucket, Interaction
from selfcare.said import Saying, choice, said, said_json
from selfcare.services import account_credit, interaction_record, notification_send
from selfcare.services.limits import limit_bars_lift_for_allowances

from ..kinds import kind_for
from ..models import Order, OrderItem, ProductInstance
from ..provisioning import ProvisioningRequest, network_adapter
from ..tasks import product_instance_activate_task, product_instance_release_task
from .order_steps import FAILED_FIELDS, order_complete, order_set_status
from .suspension import redundant_services_suspend

logger = logging.getLogger(__name__)


def provisioning_request(instance: ProductInstance) -> ProvisioningRequest:
    return ProvisioningRequest(
        product_instance_id=instance.pk,
        msisdn=instance.line.msisdn,
        offer_code=instance.offer.code,
        **kind_for(instance.offer).provisioning(instance),
    )


# A job this soon after the product's last change of status is its first attempt.
FRESH = dt.timedelta(seconds=5)


def attempt_record(instance: ProductInstance) -> None:
    """Note that a job is working on the instance now (see `product_instance_retry_stuck`)."""
    ProductInstance.objects.filter(pk=instance.pk).update(last_attempt_at=timezone.now())


def network_done(instance: ProductInstance) -> bool:
    """Whether the network already confirmed the change the instance is pending (see
    `network_done_record`): a job run again for it then skips the call."""
    return (
        instance.network_done_for is not None
        and instance.network_done_for == instance.status_changed_at
    )


def network_done_record(instance: ProductInstance) -> None:
    """Record, in a short transaction of its own, that the network confirmed the change the
    instance is pending, named by the moment of that change (`status_changed_at`, as the job read
    it): a job run again for the same change (a redelivery, the stuck sweep) makes no second call,
    and any later change of status makes the record stale by itself. Written only while the
    instance is still in that change, so a record is never made for a change that is over."""
    ProductInstance.objects.filter(
        pk=instance.pk, status=instance.status, status_changed_at=instance.status_changed_at
    ).update(network_done_for=instance.status_changed_at)


def product_instance_retry_record(*, product_instance_id: int, retry_at: dt.datetime) -> None:
    """Note that the instance's job waits for a retry due at `retry_at` (the task's backoff): the
    stuck sweep leaves it alone until then plus its deadline, instead of enqueueing a second job
    beside the waiting one."""
    ProductInstance.objects.filter(pk=product_instance_id).update(last_attempt_at=retry_at)


def _add_item(instance: ProductInstance) -> OrderItem | None:
    return (
        OrderItem.objects.select_related("order")
        .filter(product_instance=instance, action=OrderItem.Action.ADD)
        .order_by("-id")
        .first()
    )


def buckets_grant(instance: ProductInstance, *, at, ends_at) -> list[Bucket]:
    """A period's allowances: the offer's own and what its kind adds (her bundle choices, her
    loyalty years), valid from `at` to `ends_at`."""
    offer = instance.offer
    extra = kind_for(offer).allowances(instance, at=at)
    # Offers speak MB and minutes; allowances keep bytes and seconds.
    name = offer.name
    allowances = [
        (
            Bucket.Unit.BYTES,
            Bucket.Scope.GENERAL,
            (offer.data_mb + extra.data_mb) * BYTES_PER_MB,
            gettext_noop("%(offer)s data"),
        ),
        (
            Bucket.Unit.SECONDS,
            Bucket.Scope.GENERAL,
            (offer.voice_minutes + extra.voice_minutes) * SECONDS_PER_MINUTE,
            gettext_noop("%(offer)s voice"),
        ),
        (Bucket.Unit.MESSAGES, Bucket.Scope.GENERAL, offer.sms, gettext_noop("%(offer)s SMS")),
        (
            Bucket.Unit.BYTES,
            Bucket.Scope.VOD,
            extra.vod_mb * BYTES_PER_MB,
            gettext_noop("%(offer)s video on demand data"),
        ),
    ]
    names = {words: said(words, offer=name) for *_, words in allowances}
    if offer.service_data_mb:
        words = gettext_noop("%(offer)s %(service)s data")
        names[words] = said(words, offer=name, service=choice(DataScope, offer.service_scope))
        allowances.append(
            (Bucket.Unit.BYTES, offer.service_scope, offer.service_data_mb * BYTES_PER_MB, words)
        )
    granted = Bucket.objects.bulk_create(
        Bucket(
            line=instance.line,
            name=names[words],
            said=said_json(names[words]),
            unit=unit,
            scope=scope,
            initial=amount,
            valid_from=at,
            valid_until=ends_at,
            granted_by_instance=instance.pk,
        )
        for unit, scope, amount, words in allowances
        if amount
    )
    # A "stop when used up" bar ends when an allowance of its unit arrives.
    limit_bars_lift_for_allowances(buckets=granted)
    return granted


def product_instance_activate(*, product_instance_id: int) -> ProductInstance | None:
    """Provision a `pending_active` product on the network, then make it `active`.

    The network call runs outside any transaction (it may be slow); the adapter is idempotent by
    product instance id, so a redelivered task is harmless, and its success is recorded at once
    (`network_done_record`), so a job run again after it (a worker killed before the transaction
    below, the stuck sweep) makes no second call. Then, in one transaction on the locked
    instance: `active` with its end, its allowances granted, its order completed, the interaction
    written and the customer told after commit. Does nothing for an instance that is gone or no
    longer pending. Raises the adapter's NetworkError / NetworkTransientError for the task.
    """
    found = (
        ProductInstance.objects.select_related("offer", "line", "customer")
        .filter(pk=product_instance_id)
        .first()
    )
    if found is None or found.status != ProductInstance.Status.PENDING_ACTIVE:
        return found
    if found.offer.requires_confirmation or not found.paid_amount:
        # Only an offer that asks for a code can wait for one, and its product is not paid for
        # until the code comes (checked too, in case the offer's setting changed since).
        item = _add_item(found)
        if item is not None and item.order.status == Order.Status.PENDING:
            return found  # waits for her confirmation code
    if found.status_changed_at < timezone.now() - FRESH:
        # A job that starts within seconds of the purchase needs no record of its own: the
        # purchase's status change keeps the stuck sweep away as long.
        attempt_record(found)
    if not network_done(found):
        network_adapter().activate(provisioning_request(found))
        network_done_record(found)

    with transaction.atomic():
        instance = ProductInstance.objects.select_for_update(no_key=True).get(
            pk=product_instance_id
        )
        # The lock is on the instance; its offer, line and customer are as read just above (so
        # save it with update_fields, never whole: that would write their ids back as read).
        instance.offer, instance.line, instance.customer = found.offer, found.line, found.customer
        if instance.status != ProductInstance.Status.PENDING_ACTIVE:
            # Given up meanwhile (and refunded): take back what the network just switched on.
            if instance.status == ProductInstance.Status.FAILED:
                job_publish_on_commit(product_instance_release_task, instance.pk)
            return instance
        now = timezone.now()
        ends_at = period_end(instance.offer, start=now)
        instance.activate(at=now, ends_at=ends_at)
        instance.save(
            update_fields=[
                "status",
                "started_at",
                "period_started_at",
                "ends_at",
                "status_reason",
                "status_said",
                "status_changed_at",
            ]
        )
        buckets_grant(instance, at=now, ends_at=ends_at)
        redundant_services_suspend(instance=instance, at=now)
        kind_for(instance.offer).on_activated(instance, at=now)
        order = (
            Order.objects.select_for_update(of=("self",), no_key=True)
            .filter(items__product_instance=instance, items__action=OrderItem.Action.ADD)
            .order_by("-id")
            .first()
        )
        if order is not None:
            order.customer = instance.customer  # read with the instance: no query for her again
            if order.status == Order.Status.IN_PROGRESS:
                order_complete(order=order, at=now)
        interaction_record(
            customer=instance.customer,
            kind=Interaction.Kind.ADDON_STATUS,
            channel="system",
            summary=said(gettext_noop("%(offer)s is active"), offer=instance.offer.name),
            data={"product_instance_id": instance.pk},
        )
        notification_send(
            customer=instance.customer,
            template="addon_active",
            context={
                "offer_name": instance.offer.name,
                "msisdn": instance.line.msisdn,
                "ends_at": instance.ends_at,
            },
        )
    return instance


@transaction.atomic
def product_instance_fail_activation(
    *, product_instance_id: int, reason: str
) -> ProductInstance | None:
    """Give an activation up: the instance and its order `failed`, the charge refunded in full, the
    customer told why, and the network asked to switch off whatever it may have switched on (a
    timeout is not a no). Safe to run twice: the refund's ledger reference is unique and a product
    no longer pending is left alone."""
    instance = (
        ProductInstance.objects.select_for_update(of=("self",), no_key=True)
        .select_related("offer", "line", "customer__account")
        .filter(pk=product_instance_id)
        .first()
    )
    if instance is None or instance.status != ProductInstance.Status.PENDING_ACTIVE:
        return instance
    now = timezone.now()
    instance.fail(reason=reason, at=now)
    instance.save(update_fields=FAILED_FIELDS)
    item = _add_item(instance)
    refunded = None
    if item is not None:
        refunded = account_credit(
            account=instance.customer.account,
            amount=item.charge_amount,
            description=said(
                gettext_noop("%(offer)s could not be activated"), offer=instance.offer.name
            ),
            reference=f"refund:order-item:{item.pk}",
        )
        order = Order.objects.select_for_update(no_key=True).get(pk=item.order_id)
        if order.status in (Order.Status.ACKNOWLEDGED, Order.Status.IN_PROGRESS):
            previous = order.status
            order.fail(reason=reason, at=now)
            order_set_status(order=order, from_status=previous, note=reason)
    interaction_record(
        customer=instance.customer,
        kind=Interaction.Kind.ADDON_STATUS,
        channel="system",
        summary=said(
            gettext_noop("%(offer)s could not be activated: %(reason)s"),
            offer=instance.offer.name,
            reason=reason,
        ),
        data={"product_instance_id": instance.pk},
    )
    notification_send(
        customer=instance.customer,
        template="addon_failed",
        context={
            "offer_name": instance.offer.name,
            # In her language when the message is written in it, without its full stop.
            "reason": Saying(said_json(reason), reason, rstrip=". "),
            "refund": refunded.amount if refunded else None,
            "currency": instance.offer.currency,
        },
    )
    job_publish_on_commit(product_instance_release_task, instance.pk)
    logger.warning("Activation of product instance %s failed: %s", instance.pk, reason)
    return instance


@transaction.atomic
def product_instance_start(
    *, product_instance_id: int, even_if_not_due: bool = False
) -> ProductInstance | None:
    """Start a scheduled product whose time has come (or now, with `even_if_not_due`: a gift's
    share): `pending_active`, and activation scheduled after commit. Does nothing if it is gone,
    not scheduled, or not yet due."""
    instance = (
        ProductInstance.objects.select_for_update(no_key=True)
        .filter(pk=product_instance_id)
        .first()
    )
    now = timezone.now()
    if instance is None or instance.status != ProductInstance.Status.SCHEDULED:
        return instance
    if not even_if_not_due and (instance.starts_at is None or instance.starts_at > now):
        return instance
    instance.begin(at=now)
    instance.save(update_fields=["status", "status_changed_at"])
    job_publish_on_commit(product_instance_activate_task, instance.pk)
    return instance


def product_instance_release(*, product_instance_id: int) -> None:
    """Switch a failed product off on the network, in case an attempt reached it after all.
    Idempotent like every adapter call; nothing changes on our side."""
    instance = (
        ProductInstance.objects.select_related("offer", "line")
        .filter(pk=product_instance_id)
        .first()
    )
    if instance is not None and instance.status == ProductInstance.Status.FAILED:
        network_adapter().deactivate(provisioning_request(instance))
