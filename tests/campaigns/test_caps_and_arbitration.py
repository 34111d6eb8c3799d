"""Caps, the contact budget and arbitration hold whatever happens (issue 11, "Done means":
property tests). Four campaigns fire on every 80 % crossing; hypothesis picks their priorities
and caps, the budget, and who crosses when; whatever it picks, one event is at most one contact
(the highest priority's), no campaign passes its cap and no customer her budget."""

from collections import Counter, defaultdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from campaigns.models import Campaign, CampaignVersion, Delivery
from selfcare.services.events import event_dispatch
from tests import factories

from .conftest import campaign_running, consenting, crossed

pytestmark = pytest.mark.django_db
CONTACTS = set(Delivery.CONTACTS)


@pytest.fixture
def world(db):
    customers = [consenting() for _ in range(3)]
    campaigns = [
        campaign_running(
            offer=factories.OfferFactory(code=f"offer-{n}", name=f"Offer {n}"), code=f"c{n}"
        )
        for n in range(4)
    ]
    return customers, campaigns


def test_one_contact_per_event_the_highest_priority_within_caps_and_budget(world, settings):
    customers, campaigns = world
    budget_setting = settings

    @hypothesis_settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        priorities=st.lists(st.integers(0, 3), min_size=4, max_size=4),
        caps=st.lists(st.integers(1, 3), min_size=4, max_size=4),
        budget=st.integers(1, 4),
        crossings=st.lists(st.integers(0, 2), min_size=1, max_size=6),
    )
    def holds(priorities, caps, budget, crossings):
        budget_setting.CAMPAIGN_CONTACT_BUDGET = budget
        with transaction.atomic():
            for campaign, priority, cap in zip(campaigns, priorities, caps, strict=True):
                CampaignVersion.objects.filter(pk=campaign.current_version_id).update(
                    priority=priority, cap_messages=cap, cap_days=7
                )
            for who in crossings:
                event_dispatch(event_ids=crossed(customers[who]))

            check(priorities=priorities, caps=caps, budget=budget, events=len(crossings))
            transaction.set_rollback(True)

    holds()


def check(*, priorities, caps, budget, events):
    rows = list(
        Delivery.objects.order_by("pk").values_list(
            "event_id",
            "customer_id",
            "campaign_id",
            "outcome",
            "version__priority",
            "reason",
            "version_id",
        )
    )
    order = {c.pk: n for n, c in enumerate(Campaign.objects.order_by("code"))}
    # every event is decided by every campaign, once
    assert len(rows) == events * 4
    assert len({(r[0], r[2]) for r in rows}) == len(rows)
    by_event = defaultdict(list)
    for row in rows:
        by_event[row[0]].append(row)
    per_customer, per_campaign = Counter(), Counter()
    for decided in by_event.values():
        contacts = [r for r in decided if r[3] in CONTACTS]
        assert len(contacts) <= 1
        arbitrated = [r for r in decided if r[3] == "arbitrated"]
        if contacts:
            winner = contacts[0]
            assert all(winner[4] >= r[4] for r in arbitrated)
            per_customer[winner[1]] += 1
            per_campaign[(winner[1], winner[2])] += 1
        if arbitrated:
            # someone won, or the winner was stopped by her budget
            assert contacts or any(r[3] == "budget" for r in decided)
    for (_customer, campaign), n in per_campaign.items():
        assert n <= caps[order[campaign]]
    assert all(n <= budget for n in per_customer.values())
    for event_id, customer_id, _campaign, outcome, *_ in rows:
        if outcome == "budget":
            spent = sum(
                1 for r in rows if r[1] == customer_id and r[3] in CONTACTS and r[0] < event_id
            )
            assert spent == budget
