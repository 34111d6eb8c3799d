"""What may be done to an add-on now has one answer (`product_instance_actions`): for every
state of a product and every kind of offer, the portal shows it, the console shows it, and the
services accept exactly that, refusing the rest with the reason it gives and changing nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone, translation

from catalog.models import Offer
from catalog.services import catalog_version_bump
from orders.models import Order, ProductInstance
from orders.selectors import AddonAction, product_instance_actions, product_instance_controls
from orders.services import (
    NotCancellableError,
    NotSuspendableError,
    OrderError,
    product_instance_activate,
    product_instance_cancel,
    product_instance_modify,
    product_instance_purchase,
    product_instance_renewal_stop,
    product_instance_resume,
    product_instance_suspend,
)
from selfcare.models import Bucket, Interaction, LedgerEntry
from tests.backoffice.conftest import AGENTS
from tests.factories import CustomerFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGE, SUSPEND, RESUME = AddonAction.CHANGE, AddonAction.SUSPEND, AddonAction.RESUME
STOP, OFF = AddonAction.STOP_RENEWAL, AddonAction.SWITCH_OFF
BUNDLE_CHOICE = {"data": "20gb", "voice": "300"}

# The offers: what each allows.
OFFERS = {
    "plain": {"refund_policy": "none"},
    "suspendable": {"allows_suspend": True, "refund_policy": "pro_rata_time"},
    "renewing": {"billing": "recurring", "refund_policy": "pro_rata_time"},
    "bundle": {"configurable_bundle": True, "refund_policy": "pro_rata_time"},
    "gift": {"is_gift": True, "refund_policy": "none"},
}


def _every(*actions) -> dict:
    """The same, whatever the offer."""
    return dict.fromkeys(OFFERS, frozenset(actions))


# What may be done, by the product's state (rows) and its offer (columns), written out.
ALLOWED = {
    "scheduled": {
        "plain": {OFF},
        "suspendable": {OFF},
        "renewing": {OFF},
        "bundle": {OFF},
        "gift": set(),  # a gift waiting for her friend cannot be taken back
    },
    "pending_active": _every(),
    "active": {
        "plain": {OFF},
        "suspendable": {SUSPEND, OFF},
        "renewing": {STOP, OFF},
        "bundle": {CHANGE, STOP, OFF},
        "gift": {OFF},
    },
    "suspended_by_her": _every(RESUME, OFF),
    # Suspended because another product made it redundant: it comes back with that one's end.
    "suspended_by_another": _every(OFF),
    # Renewal turned off: it runs until its end, and may still be switched off before.
    "ending_later": _every(OFF),
    "ending_now": _every(),
    "terminated": _every(),
    "failed": _every(),
}
CASES = [(state, offer) for state in ALLOWED for offer in OFFERS]

# Each service, as the portal calls it, and the error it refuses with.
SERVICES = {
    CHANGE: (product_instance_modify, OrderError, {"options": BUNDLE_CHOICE}),
    SUSPEND: (product_instance_suspend, NotSuspendableError, {}),
    RESUME: (product_instance_resume, NotSuspendableError, {}),
    STOP: (product_instance_renewal_stop, NotCancellableError, {}),
    OFF: (product_instance_cancel, NotCancellableError, {}),
}


def _in_state(customer, kind: str, state: str) -> ProductInstance:
    """She bought an offer of `kind` in the portal, it became active, then got to `state`."""
    terms = {key: value for key, value in OFFERS[kind].items() if key != "is_gift"}
    offer = OfferFactory(name=f"{kind.title()} Pass", **terms)
    options = BUNDLE_CHOICE if kind == "bundle" else {}
    order = product_instance_purchase(
        customer=customer,
        line_id=customer.lines.get().pk,
        offer_id=offer.pk,
        channel="portal",
        idempotency_key=f"buy-{kind}-{state}",
        options=options,
    )
    instance = ProductInstance.objects.get(order_items__order=order)
    product_instance_activate(product_instance_id=instance.pk)
    if kind == "gift":
        # Bought for a friend, a gift's product waits for her; here only its state matters.
        Offer.objects.filter(pk=offer.pk).update(is_gift=True)
        catalog_version_bump()
    now = timezone.now()
    rows = ProductInstance.objects.filter(pk=instance.pk)
    if state == "scheduled":
        rows.update(status="scheduled", starts_at=now + dt.timedelta(days=1))
    elif state in ("pending_active", "terminated", "failed"):
        rows.update(status=state)
    elif state == "suspended_by_her":
        rows.update(status="suspended", suspended_at=now - dt.timedelta(hours=1))
    elif state == "suspended_by_another":
        other = OfferFactory(name="Big Bundle")
        bought = product_instance_purchase(
            customer=customer,
            line_id=customer.lines.get().pk,
            offer_id=other.pk,
            channel="portal",
            idempotency_key=f"buy-other-{kind}",
        )
        rows.update(
            status="suspended",
            suspended_at=now - dt.timedelta(hours=1),
            suspended_by=ProductInstance.objects.get(order_items__order=bought),
        )
    elif state == "ending_later":
        rows.update(status="pending_terminate", renews=False)
    elif state == "ending_now":
        rows.update(status="pending_terminate", renews=False, ends_at=now)
    return ProductInstance.objects.select_related("offer").get(pk=instance.pk)


def _state(customer) -> tuple:
    return (
        list(
            ProductInstance.objects.order_by("id").values_list(
                "status", "status_reason", "ends_at", "renews", "options", "price", "paid_amount"
            )
        ),
        Order.objects.count(),
        list(LedgerEntry.objects.order_by("id").values_list("amount", flat=True)),
        Interaction.objects.count(),
        list(Bucket.objects.order_by("id").values_list("valid_until", "suspended")),
    )


class _Undo(Exception):
    pass


def _try(action, customer, instance) -> str:
    """Ask the service to do `action`: "" if it accepts (then undone), else its refusal."""
    service, error, extra = SERVICES[action]
    before = _state(customer)
    try:
        with transaction.atomic():
            service(
                customer=customer,
                product_instance_id=instance.pk,
                channel="portal",
                idempotency_key=f"try-{action}",
                **extra,
            )
            raise _Undo
    except _Undo:
        return ""
    except error as refused:
        assert _state(customer) == before, f"{action} refused but something changed"
        return str(refused)


@pytest.fixture
def customer(db):
    return CustomerFactory(balance=Decimal("200.00"))


@pytest.fixture
def agent_client(client):
    client.force_login(UserFactory(groups=[AGENTS]))
    return client


@pytest.mark.parametrize(("state", "kind"), CASES)
def test_what_may_be_done_is_what_every_place_says_and_does(state, kind, customer, client):
    instance = _in_state(customer, kind, state)
    expected = ALLOWED[state][kind]

    actions = product_instance_actions(product_instance=instance, at=timezone.now())
    assert actions.allowed == expected

    # The services accept exactly that, and refuse the rest with the reason it gives.
    for action in AddonAction:
        assert _try(action, customer, instance) == actions.refusal(action)
        assert (actions.refusal(action) == "") == (action in expected)

    # The portal: the manage panel offers the controls allowed, the switch a switch-off only if
    # allowed.
    controls = product_instance_controls(product_instance=instance, at=timezone.now())
    assert {control.action for control in controls} == expected - {OFF}
    client.force_login(customer.user)
    manage = client.get(f"/addons/owned/{instance.pk}/manage/").text
    for action in (SUSPEND, RESUME, STOP):
        shown = f"/addons/owned/{instance.pk}/{action}/" in manage
        assert shown == (action in expected), action
    assert (f"/addons/owned/{instance.pk}/change/" in manage) == (CHANGE in expected)
    switch = client.get(f"/addons/{instance.offer_id}/").text
    assert (f"/addons/owned/{instance.pk}/off/" in switch) == (OFF in expected)


@pytest.mark.parametrize(("state", "kind"), CASES)
def test_the_console_offers_what_may_be_done(state, kind, customer, agent_client):
    instance = _in_state(customer, kind, state)
    expected = ALLOWED[state][kind]
    base = f"/backoffice/customers/{customer.pk}/addons/{instance.pk}"

    page = agent_client.get(f"/backoffice/customers/{customer.pk}/").text
    cancel = agent_client.get(f"{base}/cancel/").text

    assert (f'action="{base}/suspend/"' in page) == (SUSPEND in expected)
    assert (f'action="{base}/resume/"' in page) == (RESUME in expected)
    assert (f'href="{base}/cancel/"' in page) == (OFF in expected)
    assert ("Switch it off</button>" in cancel) == (OFF in expected)
    if OFF not in expected:
        actions = product_instance_actions(product_instance=instance, at=timezone.now())
        assert actions.refusal(OFF) in cancel


def test_a_refusal_is_worded_as_she_was_always_told(customer):
    gift = _in_state(customer, "gift", "scheduled")
    held = _in_state(customer, "plain", "suspended_by_another")
    ended = _in_state(customer, "renewing", "terminated")
    at = timezone.now()

    def refusal(instance, action):
        return product_instance_actions(product_instance=instance, at=at).refusal(action)

    assert refusal(gift, OFF) == (
        "A gift cannot be taken back: if your friend does not accept it within 7 days, it comes "
        "back to you."
    )
    assert refusal(held, RESUME) == "Plain Pass comes back by itself when Big Bundle ends."
    assert refusal(held, SUSPEND) == "Plain Pass cannot be suspended."
    assert refusal(held, CHANGE) == "Plain Pass cannot be changed now."
    assert refusal(ended, OFF) == "Renewing Pass is off: it cannot be switched off now."
    assert refusal(ended, STOP) == "Renewing Pass does not renew."
    assert refusal(ended, RESUME) == "Renewing Pass is not suspended."
    assert refusal(ended, OFF.value) == refusal(ended, "off")
    # In the language of the request that asks: hers.
    with translation.override("pt"):
        assert refusal(held, RESUME) == "Plain Pass volta sozinho quando Big Bundle terminar."
        assert refusal(held, SUSPEND) == "Plain Pass não pode ser suspenso."
        assert refusal(ended, STOP) == "Renewing Pass não se renova."
        assert refusal(ended, RESUME) == "Renewing Pass não está suspenso."


# What each action is done on, to be allowed, and what its order does: completed at once, or
# (a switch-off) in progress until the network has it off.
DONE_ON = {
    CHANGE: ("bundle", "active", "completed"),
    SUSPEND: ("suspendable", "active", "completed"),
    RESUME: ("suspendable", "suspended_by_her", "completed"),
    STOP: ("renewing", "active", "completed"),
    OFF: ("plain", "active", "in_progress"),
}


@pytest.mark.parametrize("action", list(AddonAction))
def test_every_control_order_goes_through_the_same_steps(action, customer):
    kind, state, final = DONE_ON[action]
    instance = _in_state(customer, kind, state)
    service, _, extra = SERVICES[action]
    orders_before = Order.objects.count()

    def place():
        return service(
            customer=customer,
            product_instance_id=instance.pk,
            channel="portal",
            idempotency_key="k-control",
            actor_user=customer.user,
            **extra,
        )

    order = place()
    after = _state(customer)
    replayed = place()  # the action is no longer allowed now: the replay is not refused

    assert replayed == order
    assert _state(customer) == after
    assert Order.objects.count() == orders_before + 1
    assert order.status == final
    assert list(order.status_changes.values_list("to_status", flat=True)) == (
        ["acknowledged", "in_progress", "completed"]
        if final == "completed"
        else ["acknowledged", "in_progress"]
    )
    item = order.items.get()
    assert (item.product_instance_id, item.offer_id) == (instance.pk, instance.offer_id)
    placed = Interaction.objects.filter(kind="order_placed", data__order_id=order.pk)
    assert placed.count() == 1
    assert placed.get().actor_user == customer.user
