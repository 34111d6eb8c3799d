"""Renewal: a recurring product is charged again and extended at the end of every period."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from catalog.policies import period_end
from selfcare.jobs import job_publish_on_commit
from selfcare.models import Account, Interaction
from selfcare.said import Day, Said, money, said
from selfcare.services import (
    InsufficientBalanceError,
    account_charge,
    interaction_record,
    notification_send,
)

from ..models import ProductInstance
from ..tasks import product_instance_deprovision_task
from .activation import buckets_grant
from .termination import RENEWAL_FAILED_REASON, TERMINATION_FIELDS


@transaction.atomic
def product_instance_renew(*, product_instance_id: int) -> ProductInstance | None:
    """Renew a recurring product whose period has ended: charge the offer's price again and
    extend it by one period with fresh allowances; without enough balance, end it and say so.

    Under the customer's account lock and the instance's. Charged once per period whatever
    happens: the charge's ledger reference names the instance and the period, and a product no
    longer due (already renewed by a first run of the sweep) is left alone.
    """
    found = ProductInstance.objects.filter(pk=product_instance_id).values("customer_id").first()
    if found is None:
        return None
    account = Account.objects.select_for_update(no_key=True).get(customer_id=found["customer_id"])
    instance = (
        ProductInstance.objects.select_for_update(of=("self",), no_key=True)
        .select_related("offer", "line", "customer")
        .get(pk=product_instance_id)
    )
    now = timezone.now()
    due = instance.ends_at is not None and instance.ends_at <= now
    if instance.status != ProductInstance.Status.ACTIVE or not instance.renews or not due:
        return instance
    offer = instance.offer
    period = instance.renewal_count + 1
    try:
        account_charge(
            account=account,
            amount=instance.price,
            description=said(
                gettext_noop("%(offer)s (renewal %(period)s)"), offer=offer.name, period=period
            ),
            reference=f"charge:renewal:{instance.pk}:{period}",
        )
    except InsufficientBalanceError:
        instance.request_termination(
            reason=said(RENEWAL_FAILED_REASON), at=now, ends_at=instance.ends_at
        )
        instance.save(update_fields=TERMINATION_FIELDS)
        job_publish_on_commit(product_instance_deprovision_task, instance.pk)
        _tell(
            instance,
            said(
                gettext_noop(
                    "%(offer)s has ended: your balance was too low for the renewal of "
                    "%(price)s. Top up and switch it on again any time."
                ),
                offer=offer.name,
                price=money(instance.price, offer.currency),
            ),
            template="addon_renewal_failed",
            context={"offer_name": offer.name, "price": instance.price, "currency": offer.currency},
        )
        return instance
    start = instance.ends_at
    ends_at = period_end(offer, start=start)
    instance.renew(at=now, ends_at=ends_at, paid=instance.price)
    instance.save(
        update_fields=[
            "period_started_at",
            "ends_at",
            "paid_amount",
            "renewal_count",
            "status_changed_at",
        ]
    )
    buckets_grant(instance, at=start, ends_at=ends_at)
    _tell(
        instance,
        said(
            gettext_noop("%(offer)s was renewed until %(until)s: %(price)s charged."),
            offer=offer.name,
            until=Day(ends_at),
            price=money(instance.price, offer.currency),
        ),
        template="addon_renewed",
        context={
            "offer_name": offer.name,
            "ends_at": ends_at,
            "price": instance.price,
            "currency": offer.currency,
        },
    )
    return instance


def _tell(instance: ProductInstance, summary: Said, *, template: str, context: dict) -> None:
    interaction_record(
        customer=instance.customer,
        kind=Interaction.Kind.ADDON_STATUS,
        channel="system",
        summary=summary,
        data={"product_instance_id": instance.pk},
    )
    notification_send(customer=instance.customer, template=template, context=context)
