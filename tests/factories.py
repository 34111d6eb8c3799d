import copy
import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from factory.django import DjangoModelFactory

from catalog.models import DurationKind, Offer, OfferTemplate, RefundPolicy
from catalog.pack import TEMPLATE_PACK
from catalog.services import catalog_version_bump
from selfcare.models import Customer
from selfcare.services import customer_create


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*(Group.objects.get(name=name) for name in extracted))
        if create:
            self.save()


class CustomerFactory(DjangoModelFactory):
    """A customer made the way the product makes one: account, line and opening balance."""

    class Meta:
        model = Customer

    user = factory.SubFactory(UserFactory)
    name = factory.Faker("name")
    lifecycle_status = "active"
    contract_start = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=800))
    balance = Decimal("50.00")
    msisdn = factory.Sequence(lambda n: f"35196{n:07d}")
    base_plan = "Prepaid Go"

    @classmethod
    def _create(cls, model_class, *args, balance, msisdn, base_plan, **kwargs):
        return customer_create(
            opening_balance=balance, msisdn=msisdn, base_plan=base_plan, **kwargs
        )


class OfferTemplateFactory(DjangoModelFactory):
    class Meta:
        model = OfferTemplate
        django_get_or_create = ["code"]

    code = "data-addon"
    name = "Data add-on"
    kind = OfferTemplate.Kind.DATA_ADDON
    price = Decimal("10.00")
    data_mb = 15360
    duration_kind = DurationKind.DAYS
    duration_days = 30
    refund_policy = RefundPolicy.PRO_RATA_DATA


class OfferFactory(DjangoModelFactory):
    """A published one-off offer; traits give the operator's examples."""

    class Meta:
        model = Offer
        skip_postgeneration_save = True

    template = factory.SubFactory(OfferTemplateFactory)
    code = factory.Sequence(lambda n: f"offer-{n}")
    name = factory.Sequence(lambda n: f"Offer {n}")
    status = Offer.Status.PUBLISHED
    price = Decimal("5.00")
    duration_kind = DurationKind.DAYS
    duration_days = 7

    @factory.post_generation
    def catalog_changed(obj, create, extracted, **kwargs):
        # Made directly, not through the catalog's services: move the version as they would.
        if create:
            catalog_version_bump()

    class Params:
        data_offer = factory.Trait(
            name="Data 15GB",
            price=Decimal("10.00"),
            data_mb=15360,
            duration_days=30,
            refund_policy=RefundPolicy.PRO_RATA_DATA,
        )
        night_pass = factory.Trait(
            name="Mobile TV Night Pass",
            price=Decimal("2.00"),
            duration_kind=DurationKind.UNTIL_LOCAL_TIME,
            duration_until=dt.time(4, 0),
            duration_days=None,
        )
        draft = factory.Trait(status=Offer.Status.DRAFT)
        # My Fixed Price Bundle: €15 every 30 days, plus what her choices add.
        configurable_bundle = factory.Trait(
            name="My Fixed Price Bundle",
            price=Decimal("15.00"),
            billing="recurring",
            duration_days=30,
            # The shipped template's data and voice choices.
            option_groups=factory.LazyFunction(
                lambda: copy.deepcopy(TEMPLATE_PACK["configurable-bundle"]["option_groups"][:2])
            ),
        )
        # A promotion discounted only in the self-care portal.
        promotion = factory.Trait(
            name="Summer Data 20GB",
            price=Decimal("12.00"),
            data_mb=20480,
            duration_days=30,
            channel_prices={"portal": "9.00"},
        )
