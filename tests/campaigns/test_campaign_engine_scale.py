"""What the engine does to stay fast at 500 campaigns and a million customers (bench/campaigns.py)
without deciding anything differently: the running versions kept by a process until a campaign
changes, and decisions written set-based, each once."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns import engine
from campaigns.models import Campaign, CampaignVersion, Delivery
from campaigns.services import campaign_pause, campaign_resume, campaign_version_publish
from catalog.models import Offer
from selfcare.models import DomainEvent

from .conftest import campaign_running, consenting, crossed, dispatch

pytestmark = pytest.mark.django_db
Outcome = Delivery.Outcome
KIND = DomainEvent.Kind.BUCKET_THRESHOLD_CROSSED


def _running(kind=KIND) -> list:
    return engine.running_versions(kinds={kind}).get(kind, [])


def test_running_versions_are_read_once_then_kept_while_no_campaign_changes(data_offer):
    consenting()
    campaign = campaign_running(offer=data_offer)
    [first] = _running()

    with CaptureQueriesContext(connection) as queries:
        [again] = _running()

    # The stamp, then the offer and its two links: the versions themselves are not read again.
    assert len(queries.captured_queries) == 4
    assert again.pk == first.pk == campaign.current_version_id
    assert again is not first  # each call has its own copy
    assert again.offer == data_offer
    assert again.campaign.name == campaign.name


def test_a_paused_campaign_leaves_the_kept_versions_and_a_resumed_one_comes_back(data_offer):
    consenting()
    campaign = campaign_running(offer=data_offer)
    assert [v.campaign_id for v in _running()] == [campaign.pk]

    campaign_pause(campaign_id=campaign.pk)
    assert _running() == []

    campaign_resume(campaign_id=campaign.pk, policy="skip")
    assert [v.campaign_id for v in _running()] == [campaign.pk]


def test_an_edit_of_a_running_campaign_is_decided_by_its_new_version(data_offer):
    consenting()
    campaign = campaign_running(offer=data_offer)
    [before] = _running()
    campaign.threshold_percent = 50
    campaign.name = "Half used"
    campaign.save()

    new = campaign_version_publish(campaign=campaign)

    [after] = _running()
    assert (before.number, after.number) == (1, 2)
    assert (after.pk, after.threshold_percent, after.campaign.name) == (new.pk, 50, "Half used")


def test_a_campaign_or_version_changed_in_place_is_read_again(data_offer):
    consenting()
    campaign = campaign_running(offer=data_offer)
    _running()  # kept by this process

    Campaign.objects.filter(pk=campaign.pk).update(name="Renamed")
    CampaignVersion.objects.filter(pk=campaign.current_version_id).update(priority=90)

    [version] = _running()
    assert (version.campaign.name, version.priority) == ("Renamed", 90)


def test_an_offer_retired_after_the_versions_were_kept_is_seen_at_once(
    data_offer, django_capture_on_commit_callbacks
):
    stacy = consenting()
    campaign_running(offer=data_offer)
    _running()  # kept by this process
    Offer.objects.filter(pk=data_offer.pk).update(status=Offer.Status.RETIRED)

    dispatch(crossed(stacy), django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get()
    assert (delivery.outcome, delivery.reason) == (
        Outcome.NOT_OFFERABLE,
        "This offer is not on sale.",
    )
    assert delivery.sent_at is None


def test_deliveries_write_inserts_each_decision_once_and_returns_only_the_new_queued_ones(
    data_offer, django_capture_on_commit_callbacks
):
    tom, stacy = consenting(), consenting()
    campaign = campaign_running(offer=data_offer)
    version = Campaign.objects.get(pk=campaign.pk).current_version
    at = timezone.now()
    morning = at + dt.timedelta(hours=8)

    def candidates():
        return [
            engine.Candidate(
                version=version,
                customer_id=tom.pk,
                line_id=tom.lines.get().pk,
                occurrence="schedule:2026-12-04",
                outcome=Outcome.QUEUED,
            ),
            engine.Candidate(
                version=version,
                customer_id=stacy.pk,
                line_id=stacy.lines.get().pk,
                occurrence="schedule:2026-12-04",
                outcome=Outcome.QUIET_HOURS,
                reason="Quiet hours: waits for the morning.",
                send_after=morning,
            ),
        ]

    with django_capture_on_commit_callbacks(execute=False) as published:
        queued = engine.deliveries_write(candidates=candidates(), at=at)

    tom_delivery = Delivery.objects.get(customer=tom)
    assert queued == [tom_delivery.pk]
    assert len(published) == 1  # one send job, for Tom's
    rows = Delivery.objects.order_by("customer_id").values_list(
        "customer_id", "version_id", "outcome", "reason", "decided_at", "send_after", "holdout"
    )
    assert sorted(rows) == sorted(
        [
            (tom.pk, version.pk, "queued", "", at, None, False),
            (stacy.pk, version.pk, "quiet_hours", "Quiet hours: waits for the morning.", at,
             morning, False),
        ]
    )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=False) as published_again:
        again = engine.deliveries_write(candidates=candidates(), at=at + dt.timedelta(seconds=1))

    assert (again, published_again) == ([], [])
    assert Delivery.objects.count() == 2
    assert Delivery.objects.get(customer=tom).decided_at == at


def test_events_alike_are_matched_once_and_each_only_to_the_campaigns_its_facts_fit(
    data_offer, django_capture_on_commit_callbacks
):
    tom, stacy, ana = consenting(), consenting(), consenting()
    at_80 = campaign_running(offer=data_offer, code="at-80", threshold_percent=80)
    at_50 = campaign_running(offer=data_offer, code="at-50", threshold_percent=50)
    minutes = campaign_running(
        offer=data_offer, code="minutes-80", threshold_percent=80, bucket_unit="seconds"
    )
    ids = crossed(tom, percent=80) + crossed(stacy, percent=50) + crossed(ana, percent=80)

    dispatch(ids, django_capture_on_commit_callbacks)

    decided = set(Delivery.objects.values_list("campaign_id", "customer_id"))
    assert decided == {(at_80.pk, tom.pk), (at_80.pk, ana.pk), (at_50.pk, stacy.pk)}
    assert minutes.pk not in {campaign for campaign, _ in decided}
