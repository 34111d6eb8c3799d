import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from catalog.policies import offer_problems
from orders.models import Order, ProductInstance
from orders.selectors import product_instance_modify_quote
from orders.services import (
    ModifyChangedError,
    OptionsError,
    product_instance_activate,
    product_instance_modify,
    product_instance_purchase,
    product_instance_renew,
)
from selfcare.models import BYTES_PER_MB as MB
from selfcare.models import SECONDS_PER_MINUTE as MINUTE
from selfcare.models import Bucket, LedgerEntry
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db

GROUPS = [
    {
        "key": "data",
        "label": "Data",
        "choices": [
            {"value": "5gb", "label": "5 GB", "data_mb": 5120},
            {"value": "20gb", "label": "20 GB", "data_mb": 20480, "price": "5.00"},
        ],
    },
    {
        "key": "voice",
        "label": "Voice",
        "choices": [
            {"value": "100", "label": "100 minutes", "voice_minutes": 100},
            {
                "value": "unlimited",
                "label": "Unlimited minutes",
                "voice_minutes": 100000,
                "price": "3.00",
            },
        ],
    },
    {
        "key": "extra",
        "label": "Extra",
        "choices": [
            {"value": "ott", "label": "Music streaming"},
            {"value": "vod", "label": "Video on demand 10 GB", "vod_mb": 10240},
        ],
    },
]


@pytest.fixture
def bundle(db):
    return OfferFactory(
        name="My Fixed Price Bundle",
        price=Decimal("15.00"),
        billing="recurring",
        duration_days=30,
        option_groups=GROUPS,
    )


START = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def subscribed(customer, bundle):
    with time_machine.travel(START, tick=False):
        product_instance_purchase(
            customer=customer,
            line_id=customer.lines.get().pk,
            offer_id=bundle.pk,
            channel="portal",
            idempotency_key="k-bundle",
            options={"data": "5gb", "voice": "100", "extra": "vod"},
        )
        instance = ProductInstance.objects.get()
        product_instance_activate(product_instance_id=instance.pk)
    instance.refresh_from_db()
    return instance


def allowances(instance, at):
    return sorted(
        (b.unit, b.scope, b.initial, b.used)
        for b in Bucket.objects.filter(granted_by_instance=instance.pk, valid_until__gt=at)
    )


def test_she_picks_options_and_gets_what_they_grant_for_the_fixed_price(subscribed):
    assert (subscribed.price, subscribed.paid_amount) == (Decimal("15.00"), Decimal("15.00"))
    assert allowances(subscribed, START) == [
        ("bytes", "general", 5120 * MB, 0),
        ("bytes", "vod", 10240 * MB, 0),
        ("seconds", "general", 100 * MINUTE, 0),
    ]


def test_a_change_shows_its_price_effect_then_applies_it(customer, subscribed):
    Bucket.objects.filter(granted_by_instance=subscribed.pk, unit="bytes", scope="general").update(
        used=3000 * MB
    )
    new = {"data": "20gb", "voice": "100", "extra": "ott"}
    ten_days_in = START + dt.timedelta(days=10)

    with time_machine.travel(ten_days_in, tick=False):
        quote = product_instance_modify_quote(
            product_instance=subscribed, options=new, at=ten_days_in
        )
        assert (quote.old_price, quote.new_price, quote.due_now) == (
            Decimal("15.00"),
            Decimal("20.00"),
            Decimal("3.33"),  # €5 more a period, for the 20 days of 30 left
        )
        assert quote.before == ("Data: 5 GB", "Voice: 100 minutes", "Extra: Video on demand 10 GB")
        assert quote.after == ("Data: 20 GB", "Voice: 100 minutes", "Extra: Music streaming")

        order = product_instance_modify(
            customer=customer,
            product_instance_id=subscribed.pk,
            options=new,
            channel="portal",
            idempotency_key="k-change",
            expected_due_now=Decimal("3.33"),
        )

    subscribed.refresh_from_db()
    assert order.status == "completed"
    assert order.items.get().action == "modify"
    assert LedgerEntry.objects.get(
        reference=f"charge:order-item:{order.items.get().pk}"
    ).amount == Decimal("-3.33")
    assert (subscribed.price, subscribed.paid_amount) == (Decimal("20.00"), Decimal("18.33"))
    # the new allowances from now, what she used so far still counted
    assert allowances(subscribed, ten_days_in) == [
        ("bytes", "general", 20480 * MB, 3000 * MB),
        ("seconds", "general", 100 * MINUTE, 0),
    ]
    # and renewals charge the new price
    with time_machine.travel(subscribed.ends_at + dt.timedelta(seconds=1), tick=False):
        product_instance_renew(product_instance_id=subscribed.pk)
    assert LedgerEntry.objects.get(reference__startswith="charge:renewal:").amount == Decimal(
        "-20.00"
    )


def test_a_cheaper_choice_refunds_the_rest_of_the_period(customer, subscribed):
    product_instance_modify(
        customer=customer,
        product_instance_id=subscribed.pk,
        options={"data": "20gb", "voice": "unlimited", "extra": "vod"},
        channel="portal",
        idempotency_key="k-up",
    )
    with time_machine.travel(START + dt.timedelta(days=15), tick=False):
        order = product_instance_modify(
            customer=customer,
            product_instance_id=subscribed.pk,
            options={"data": "5gb", "voice": "100", "extra": "vod"},
            channel="portal",
            idempotency_key="k-down",
        )

    assert order.items.get().refund_amount == Decimal("4.00")  # €8 less, for half the period


def test_a_stale_price_effect_is_refused_and_changes_nothing(customer, subscribed):
    with pytest.raises(ModifyChangedError):
        product_instance_modify(
            customer=customer,
            product_instance_id=subscribed.pk,
            options={"data": "20gb", "voice": "100", "extra": "vod"},
            channel="portal",
            idempotency_key="k-change",
            expected_due_now=Decimal("0.01"),
        )

    subscribed.refresh_from_db()
    assert subscribed.options["data"] == "5gb"
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        ({"voice": "100", "extra": "ott"}, "data", "Pick one of the data options."),
        (
            {"data": "5gb", "voice": "1000", "extra": "ott"},
            "voice",
            "Pick one of the voice options.",
        ),
    ],
)
def test_a_missing_or_unknown_choice_is_refused_next_to_its_field(
    customer, bundle, options, field, message
):
    with pytest.raises(OptionsError) as refused:
        product_instance_purchase(
            customer=customer,
            line_id=customer.lines.get().pk,
            offer_id=bundle.pk,
            channel="portal",
            idempotency_key="k-bundle",
            options=options,
        )

    assert (refused.value.field, str(refused.value)) == (field, message)
    assert not Order.objects.exists()


def test_option_groups_that_cannot_work_are_refused_at_publish_time(bundle):
    bundle.option_groups = [
        {"key": "data", "label": "Data", "choices": [{"value": "5gb", "label": "5 GB"}]},
        {
            "key": "data",
            "label": "Again",
            "choices": [
                {"value": "a", "label": "A", "price": "1.999"},
                {"value": "a", "label": "B"},
            ],
        },
    ]

    assert offer_problems(bundle) == [
        "Option group 'Data' needs at least two choices.",
        "Two option groups are called 'data'.",
        "Each choice of 'Again' needs its own value and a label.",
        "The price of 'A' must be an amount like 2.50.",
    ]


def _use(instance, unit, scope, mb):
    bucket = Bucket.objects.get(
        granted_by_instance=instance.pk,
        unit=unit,
        scope=scope,
        valid_until__gt=dt.datetime.now(dt.UTC),
    )
    bucket.used = min(bucket.initial, bucket.used + mb * MB)
    bucket.save(update_fields=["used"])


def test_changing_options_back_and_forth_never_hands_out_fresh_data(customer, subscribed):
    def change(options, key):
        product_instance_modify(
            customer=customer,
            product_instance_id=subscribed.pk,
            options=options,
            channel="portal",
            idempotency_key=key,
        )
        subscribed.refresh_from_db()

    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        # she uses all 10 GB of video, swaps it for music, then back
        _use(subscribed, "bytes", "vod", 10240)
        change({"data": "5gb", "voice": "100", "extra": "ott"}, "k-1")
        change({"data": "5gb", "voice": "100", "extra": "vod"}, "k-2")
        # and all 20 GB of data, down to 5 GB, then up again
        change({"data": "20gb", "voice": "100", "extra": "vod"}, "k-3")
        _use(subscribed, "bytes", "general", 20480)
        change({"data": "5gb", "voice": "100", "extra": "vod"}, "k-4")
        change({"data": "20gb", "voice": "100", "extra": "vod"}, "k-5")
        at = dt.datetime.now(dt.UTC)

    assert allowances(subscribed, at) == [
        ("bytes", "general", 20480 * MB, 20480 * MB),
        ("bytes", "vod", 10240 * MB, 10240 * MB),
        ("seconds", "general", 100 * MINUTE, 0),
    ]
