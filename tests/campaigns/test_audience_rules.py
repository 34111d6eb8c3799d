"""One rule language, two engines: the SQL that picks a schedule's audience (`lines_matching`)
says yes to exactly the lines the Python decision lets in — `rules_admit`, what an event's
campaigns ask, and `rules_reasons`, what a dry run says — for any rules (issue 11, §2
"Audience"; property-based)."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.eligibility import AudienceRules, rules_admit, rules_reasons
from orders.models import ProductInstance
from orders.selectors.audience import contexts_build, lines_matching
from selfcare.models import Customer, Line
from tests import factories

pytestmark = pytest.mark.django_db

STATUSES = ["active", "suspended", "churn_risk"]
PLANS = ["Prepaid Go", "Postpaid Max"]
SEGMENTS = ["students", "travellers", "families"]


@pytest.fixture
def population(db):
    """Twelve customers spread over statuses, plans, tenures, segments and what they own."""
    owned, other = factories.OfferFactory(code="owned"), factories.OfferFactory(code="other")
    for n in range(12):
        customer = factories.CustomerFactory(
            lifecycle_status=STATUSES[n % 3],
            base_plan=PLANS[n % 2],
            contract_start=dt.date.today() - dt.timedelta(days=30 * n),
        )
        Customer.objects.filter(pk=customer.pk).update(segments=[SEGMENTS[n % 3]] if n % 4 else [])
        line = customer.lines.get()
        for offer, every in ((owned, 2), (other, 3)):
            if n % every == 0:
                ProductInstance.objects.create(
                    customer=customer,
                    line=line,
                    offer=offer,
                    price=0,
                    paid_amount=0,
                    status="active" if n % 5 else "terminated",
                    status_changed_at=timezone.now(),
                )
    return {"owned": owned.pk, "other": other.pk}


def rules_strategy(offers):
    pairs = st.sampled_from([(offers["owned"], "Owned"), (offers["other"], "Other")])
    return st.builds(
        AudienceRules,
        statuses=st.lists(st.sampled_from(STATUSES), unique=True).map(tuple),
        min_tenure_days=st.sampled_from([0, 60, 200]),
        plans=st.lists(st.sampled_from(PLANS), unique=True, max_size=1).map(tuple),
        segments=st.lists(st.sampled_from(SEGMENTS), unique=True, max_size=2).map(tuple),
        requires=st.lists(pairs, unique=True, max_size=1).map(tuple),
        excludes=st.lists(pairs, unique=True, max_size=1).map(tuple),
        bought=st.lists(pairs, unique=True, max_size=1).map(tuple),
        bought_days=st.sampled_from([1, 30]),
    )


def test_sql_and_python_agree_on_every_rule(population):
    at = timezone.now()
    line_ids = set(Line.objects.values_list("pk", flat=True))
    contexts = contexts_build(line_ids=line_ids, channel="portal", at=at)

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(rules=rules_strategy(population))
    def agree(rules):
        in_sql = set(
            lines_matching(rules=rules, channel="portal", at=at).values_list("pk", flat=True)
        )
        in_python = {pk for pk in line_ids if not rules_reasons(rules=rules, context=contexts[pk])}
        admitted = {pk for pk in line_ids if rules_admit(rules=rules, context=contexts[pk])}
        assert in_sql == in_python == admitted

    agree()
