"""Offer kinds (orders/kinds/): each kind's hooks are what purchase, activation and termination do
for it, with the outcome the customer has always had; every shipped template is one kind; and a
kind registered from outside the services has its hooks called by them unchanged."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import OfferTemplate
from catalog.pack import TEMPLATE_PACK
from orders.kinds import Allowances, OfferKind, kind_for, kind_register, kind_unregister, kinds
from orders.models import Order, OrderItem, ProductInstance
from orders.services import (
    NotCancellableError,
    OptionsError,
    bucket_rollover_due,
    product_instance_activate,
    product_instance_cancel,
    product_instance_deprovision,
    product_instance_grant,
    product_instance_purchase,
)
from selfcare.models import BYTES_PER_MB as MB
from selfcare.models import SECONDS_PER_MINUTE as MINUTE
from selfcare.models import Bucket, LedgerEntry, Line
from tests.factories import CustomerFactory, OfferFactory
from tests.selfcare.test_sims import VALID

pytestmark = pytest.mark.django_db


class RecordingNetwork:
    """The network adapter seam, keeping each request it was sent."""

    requests: list = []

    def activate(self, request):
        RecordingNetwork.requests.append(("activate", request))

    def deactivate(self, request):
        RecordingNetwork.requests.append(("deactivate", request))


@pytest.fixture
def network(settings):
    settings.NETWORK_ADAPTER = "tests.orders.test_kinds.RecordingNetwork"
    RecordingNetwork.requests = []
    return RecordingNetwork


def purchase(customer, offer, *, key="k-1", **options):
    return product_instance_purchase(
        customer=customer,
        line_id=customer.lines.get(temporary=False).pk,
        offer_id=offer.pk,
        channel="portal",
        idempotency_key=key,
        options=options,
    )


def switch_off(customer, instance, *, key="k-off"):
    return product_instance_cancel(
        customer=customer, product_instance_id=instance.pk, channel="portal", idempotency_key=key
    )


def granted(instance):
    return sorted(
        (b.unit, b.scope, b.initial) for b in Bucket.objects.filter(granted_by_instance=instance.pk)
    )


# Every template is one kind


SPECIAL = {
    "gift": "gift",
    "temporary-line": "temporary_line",
    "configurable-bundle": "configurable_bundle",
    "rollover": "rollover",
    "loyalty": "loyalty",
}


@pytest.mark.parametrize("code", sorted(TEMPLATE_PACK))
def test_every_offer_template_in_the_pack_maps_to_one_kind(code):
    template = OfferTemplate(code=code, **TEMPLATE_PACK[code])

    kind = kind_for(template)

    assert kind.code == SPECIAL.get(code, "plain")
    assert kind.code in {k.code for k in kinds()} | {"plain"}  # one kind, not a combination
    if code in SPECIAL:
        assert kind.code == template.kind  # a kind shipped as a template is named after it


def test_each_shipped_kind_has_its_template():
    shipped = {kind_for(OfferTemplate(code=c, **v)).code for c, v in TEMPLATE_PACK.items()}

    assert {kind.code for kind in kinds()} <= shipped


def test_an_offer_made_without_a_template_of_its_kind_is_the_kind_its_terms_say(db):
    """Kinds come from the offer's terms, not its template: what a product manager edited is
    what the customer gets."""
    offer = OfferFactory(is_gift=True)  # made from the data add-on template

    assert offer.template.kind == OfferTemplate.Kind.DATA_ADDON
    assert kind_for(offer).code == "gift"


# Plain offers


def test_a_plain_offer_asks_nothing_waits_for_nothing_and_grants_its_own_allowances(
    customer, data_offer, network
):
    purchase(customer, data_offer, ignored="x")
    instance = ProductInstance.objects.get()
    assert (instance.status, instance.options) == ("pending_active", {})

    product_instance_activate(product_instance_id=instance.pk)

    assert granted(instance) == [("bytes", "general", 15360 * MB)]
    assert RecordingNetwork.requests[0][1].iccid == ""


# Gift


@pytest.fixture
def gift_offer(db):
    return OfferFactory(name="Gift 1GB", price=Decimal("3.00"), data_mb=1024, is_gift=True)


@pytest.fixture
def friend(db):
    return CustomerFactory(name="Tom Silva")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter your friend's mobile number."),
        ("351 900 000 000", "That number is not one of ours: check it."),
        ("own", "That is your own number: a gift goes to a friend."),
    ],
)
def test_a_gift_asks_for_a_friends_number_of_ours_and_writes_nothing_without_one(
    customer, gift_offer, typed, message
):
    typed = customer.lines.get().msisdn if typed == "own" else typed

    with pytest.raises(OptionsError) as refused:
        purchase(customer, gift_offer, friend_msisdn=typed)

    assert (refused.value.field, str(refused.value)) == ("friend_msisdn", message)
    assert not Order.objects.exists()
    assert not LedgerEntry.objects.filter(kind="charge").exists()


def test_a_gifts_own_share_is_charged_and_waits_for_the_friend(
    customer, friend, gift_offer, network, django_capture_on_commit_callbacks
):
    friends_line = friend.lines.get()

    with django_capture_on_commit_callbacks(execute=True):
        purchase(
            customer,
            gift_offer,
            friend_msisdn=f" {friends_line.msisdn[:3]} x{friends_line.msisdn[3:]}",
        )

    share = ProductInstance.objects.get()
    assert (share.status, share.starts_at) == ("scheduled", None)
    assert share.options == {
        "friend_msisdn": friends_line.msisdn,
        "friend_line_id": friends_line.pk,
    }
    assert LedgerEntry.objects.get(kind="charge").amount == Decimal("-3.00")
    assert RecordingNetwork.requests == []  # no activation until the friend's gift is active


def test_a_gifts_waiting_share_cannot_be_switched_off(customer, friend, gift_offer):
    purchase(customer, gift_offer, friend_msisdn=friend.lines.get().msisdn)
    share = ProductInstance.objects.get()

    with pytest.raises(NotCancellableError) as refused:
        switch_off(customer, share)

    assert str(refused.value) == (
        "A gift cannot be taken back: if your friend does not accept it within 7 days, it comes "
        "back to you."
    )
    assert not OrderItem.objects.filter(action="terminate").exists()
    assert ProductInstance.objects.get().status == "scheduled"


def test_when_the_friends_gift_activates_the_givers_share_starts(
    customer, friend, gift_offer, network, django_capture_on_commit_callbacks
):
    purchase(customer, gift_offer, friend_msisdn=friend.lines.get().msisdn)
    share = ProductInstance.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        product_instance_grant(
            customer=friend,
            line_id=friend.lines.get().pk,
            offer_id=gift_offer.pk,
            idempotency_key="gift-1",
            options={"gift_from_instance": share.pk},
        )

    share.refresh_from_db()
    friends = ProductInstance.objects.get(customer=friend)
    assert (friends.status, share.status) == ("active", "active")
    assert granted(friends) == granted(share) == [("bytes", "general", 1024 * MB)]


# Temporary line


@pytest.fixture
def travel(db):
    return OfferFactory(
        name="Travel Line 30 days",
        price=Decimal("5.00"),
        duration_days=30,
        creates_temporary_line=True,
    )


def test_a_temporary_line_asks_for_a_free_sim_card(customer, travel):
    Line.objects.create(customer=customer, msisdn="351930009999", iccid=VALID, temporary=True)

    with pytest.raises(OptionsError) as refused:
        purchase(customer, travel, iccid=VALID)

    assert (refused.value.field, str(refused.value)) == (
        "iccid",
        "This SIM card is already in use.",
    )
    assert not Order.objects.exists()


def test_a_temporary_line_opens_on_activation_and_closes_on_termination(customer, travel, network):
    home = customer.lines.get()
    purchase(customer, travel, iccid=f"{VALID[:4]} {VALID[4:]}")
    instance = ProductInstance.objects.get()
    assert instance.options == {"iccid": VALID}

    product_instance_activate(product_instance_id=instance.pk)

    second = Line.objects.get(temporary=True)
    instance.refresh_from_db()
    assert (second.customer, second.base_plan, second.iccid, second.status) == (
        customer,
        home.base_plan,
        VALID,
        "active",
    )
    assert second.msisdn == f"35193{instance.pk:07d}"
    assert instance.options == {"iccid": VALID, "line_id": second.pk, "msisdn": second.msisdn}

    switch_off(customer, instance)
    product_instance_deprovision(product_instance_id=instance.pk)

    second.refresh_from_db()
    assert (second.status, second.iccid) == ("terminated", None)
    assert Line.objects.get(pk=home.pk).status == "active"
    # the network was told which SIM card, both ways
    assert [(what, request.iccid) for what, request in RecordingNetwork.requests] == [
        ("activate", VALID),
        ("deactivate", VALID),
    ]


# Configurable bundle


@pytest.fixture
def bundle(db):
    return OfferFactory(configurable_bundle=True)


def test_a_bundles_options_are_checked_group_by_group(customer, bundle):
    with pytest.raises(OptionsError) as refused:
        purchase(customer, bundle, data="50gb", voice="300")

    assert (refused.value.field, str(refused.value)) == ("data", "Pick one of the data options.")
    assert not Order.objects.exists()


def test_a_bundle_charges_and_grants_what_her_choices_add(customer, bundle, network):
    purchase(customer, bundle, data="20gb", voice="unlimited", colour="red")
    instance = ProductInstance.objects.get()
    assert instance.options == {"data": "20gb", "voice": "unlimited"}  # only the groups' choices
    assert (instance.price, LedgerEntry.objects.get(kind="charge").amount) == (
        Decimal("23.00"),  # 15.00 + 5.00 for 20 GB + 3.00 for unlimited minutes
        Decimal("-23.00"),
    )

    product_instance_activate(product_instance_id=instance.pk)

    assert granted(instance) == [
        ("bytes", "general", 20480 * MB),
        ("seconds", "general", 100000 * MINUTE),
    ]


# Rollover


def test_a_rollover_product_asks_and_grants_nothing_itself_its_sweep_rolls_unused_data(
    customer, line, network
):
    rollover = OfferFactory(price=1, duration_days=365, rollover_scope="vod")
    assert kind_for(rollover).code == "rollover"
    purchase(customer, rollover)
    instance = ProductInstance.objects.get()
    product_instance_activate(product_instance_id=instance.pk)
    assert (instance.options, granted(instance)) == ({}, [])

    now = timezone.now()
    month = Bucket.objects.create(
        line=line,
        name="Plan data",
        unit="bytes",
        initial=5000 * MB,
        used=3800 * MB,
        valid_from=now - dt.timedelta(days=30),
        valid_until=now + dt.timedelta(minutes=1),
    )

    assert bucket_rollover_due(at=now + dt.timedelta(minutes=2)) == 1
    rolled = Bucket.objects.get(rolled_from=month)
    assert (rolled.scope, rolled.initial, rolled.granted_by_instance) == (
        "vod",
        1200 * MB,
        instance.pk,
    )


# Loyalty reward


def test_a_loyalty_reward_adds_data_for_each_full_contract_year(network):
    stacy = CustomerFactory(contract_start=dt.date.today() - dt.timedelta(days=3 * 365 + 10))
    loyalty = OfferFactory(price=0, data_mb=50, data_mb_per_contract_year=100, min_tenure_days=365)
    assert kind_for(loyalty).code == "loyalty"
    purchase(stacy, loyalty)
    instance = ProductInstance.objects.get()

    product_instance_activate(product_instance_id=instance.pk)

    assert granted(instance) == [("bytes", "general", 350 * MB)]  # its own 50 and 3 years of 100


# Terms that combine kinds


def test_an_offer_whose_terms_combine_kinds_gets_each_kinds_behaviour(network):
    """A bundle that is also a loyalty reward: her choices and her years both add data."""
    stacy = CustomerFactory(contract_start=dt.date.today() - dt.timedelta(days=2 * 365 + 10))
    offer = OfferFactory(configurable_bundle=True, data_mb_per_contract_year=100)
    assert kind_for(offer).code == "configurable_bundle+loyalty"
    purchase(stacy, offer, data="5gb", voice="300")
    instance = ProductInstance.objects.get()

    product_instance_activate(product_instance_id=instance.pk)

    assert granted(instance) == [
        ("bytes", "general", (5120 + 200) * MB),
        ("seconds", "general", 300 * MINUTE),
    ]


# A new kind is one module: registered here, called by the services as they are


class ProbeKind(OfferKind):
    """A throwaway kind: offers whose code starts with "probe-"; it records every hook call."""

    code = "probe"

    def __init__(self):
        self.calls = []
        self.refusal = "Not today."

    def matches(self, offer) -> bool:
        return offer.code.startswith("probe-")

    def options_clean(self, *, customer, offer, options):
        self.calls.append(("options_clean", customer.pk, offer.pk))
        if options.get("colour") not in ("red", "blue"):
            raise OptionsError("colour", "Pick a colour.")
        return {"colour": options["colour"]}

    def scheduled_at_purchase(self, *, offer):
        self.calls.append(("scheduled_at_purchase", offer.pk))
        return False

    def provisioning(self, instance):
        self.calls.append(("provisioning", instance.pk))
        return {"iccid": f"probe-{instance.options['colour']}"}

    def allowances(self, instance, *, at):
        self.calls.append(("allowances", instance.pk))
        return Allowances(data_mb=7, vod_mb=9)

    def on_activated(self, instance, *, at):
        self.calls.append(("on_activated", instance.pk, instance.status))

    def cancel_refusal(self, instance):
        self.calls.append(("cancel_refusal", instance.pk))
        return self.refusal

    def on_terminated(self, instance, *, at):
        self.calls.append(("on_terminated", instance.pk, instance.status))


@pytest.fixture
def probe():
    kind = ProbeKind()
    kind_register(kind)
    yield kind
    kind_unregister(kind)


def test_a_kind_registered_outside_the_services_has_each_hook_called_by_them(
    customer, probe, network
):
    offer = OfferFactory(code="probe-1", data_mb=100)
    assert kind_for(offer) is probe

    with pytest.raises(OptionsError, match="Pick a colour"):
        purchase(customer, offer, key="k-bad", colour="green")
    purchase(customer, offer, colour="red")
    instance = ProductInstance.objects.get()
    assert (instance.status, instance.options) == ("pending_active", {"colour": "red"})

    product_instance_activate(product_instance_id=instance.pk)
    assert granted(instance) == [("bytes", "general", 107 * MB), ("bytes", "vod", 9 * MB)]
    assert RecordingNetwork.requests[0][1].iccid == "probe-red"

    with pytest.raises(NotCancellableError, match=r"^Not today\.$"):
        switch_off(customer, instance, key="k-off-1")
    probe.refusal = None
    switch_off(customer, instance, key="k-off-2")
    product_instance_deprovision(product_instance_id=instance.pk)

    pk = instance.pk
    assert probe.calls == [
        ("options_clean", customer.pk, offer.pk),
        ("options_clean", customer.pk, offer.pk),
        ("scheduled_at_purchase", offer.pk),
        ("provisioning", pk),
        ("allowances", pk),
        ("on_activated", pk, "active"),
        ("cancel_refusal", pk),
        ("cancel_refusal", pk),
        ("provisioning", pk),
        ("on_terminated", pk, "terminated"),
    ]


def test_a_kind_unregistered_is_forgotten(db, probe):
    offer = OfferFactory(code="probe-2")
    kind_unregister(probe)

    assert kind_for(offer).code == "plain"
