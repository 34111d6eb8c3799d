"""What marketing controls: start (refused with what to fix), pause, resume by policy, edit into
versions, end, schedules and the dry run (issue 11, §3 and "Bad input and access")."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import Campaign, CampaignStateChange, Delivery, ScheduleRun
from campaigns.services import (
    CampaignError,
    campaign_deliveries_send,
    campaign_dry_run,
    campaign_end,
    campaign_pause,
    campaign_resume,
    campaign_schedule_run,
    campaign_schedules_run,
    campaign_start,
    campaign_version_publish,
)
from catalog.policies import operator_zone
from selfcare.models import Notification
from selfcare.services.events import event_dispatch
from tests import factories

from .conftest import campaign_messages, campaign_running, consenting, crossed, dispatch

pytestmark = pytest.mark.django_db


def draft(offer, **terms) -> Campaign:
    values = {
        "name": "Data running out",
        "code": "data-running-out",
        "trigger": "BucketThresholdCrossed",
        "threshold_percent": 80,
        "offer": offer,
        "message": "{first_name}: {offer}",
        "holdout_percent": 0,
        "quiet_hours": False,
        **terms,
    }
    return Campaign.objects.create(**values)


@pytest.mark.parametrize(
    ("terms", "problem"),
    [
        ({"cap_messages": 0}, "Its cap is 0: allow at least 1 message in at least 1 day."),
        (
            {"trigger": "schedule:once", "schedule_at": timezone.now() - dt.timedelta(hours=1)},
            "Its time is in the past: choose a time to come.",
        ),
        ({"threshold_percent": None}, "Choose the % used that triggers it: 50, 80 or 100."),
        ({"message": "Hi {name}"}, "Unknown in the message: name."),
        (
            {"audience_plans": ["No such plan"]},
            "No customer with marketing consent is in this audience: widen its rules.",
        ),
    ],
)
def test_a_campaign_that_could_never_send_is_refused_at_start_and_stays_a_draft(
    data_offer, terms, problem
):
    consenting()
    campaign = draft(data_offer, **terms)

    with pytest.raises(CampaignError) as refused:
        campaign_start(campaign_id=campaign.pk)

    assert refused.value.problems[0].startswith(problem)
    campaign.refresh_from_db()
    assert (campaign.state, campaign.current_version) == ("draft", None)
    assert not CampaignStateChange.objects.exists()
    assert not campaign.versions.exists()


def test_a_retired_offer_is_refused_at_start(data_offer):
    consenting()
    type(data_offer).objects.filter(pk=data_offer.pk).update(status="retired")
    campaign = draft(data_offer)

    with pytest.raises(CampaignError) as refused:
        campaign_start(campaign_id=campaign.pk)

    assert refused.value.problems == ["Data 15GB is retired, not on sale: choose an offer on sale."]


def test_start_makes_version_1_and_records_who(data_offer):
    marketer = factories.UserFactory(username="marketer")
    consenting()

    campaign = campaign_start(campaign_id=draft(data_offer).pk, user=marketer)

    assert campaign.state == "running"
    assert campaign.current_version.number == 1
    assert campaign.current_version.created_by_name == "marketer"
    assert list(
        campaign.state_changes.values_list("from_state", "to_state", "changed_by_name", "note")
    ) == [("draft", "running", "marketer", "v1")]


def test_paused_nothing_is_decided_and_nothing_queued_is_sent(data_offer, capture):
    stacy, tom = consenting(), consenting()
    campaign = campaign_running(offer=data_offer)
    with capture(execute=False):  # stacy's decision is queued, its send job not run yet
        event_dispatch(event_ids=crossed(stacy))

    campaign_pause(campaign_id=campaign.pk)
    campaign_deliveries_send(delivery_ids=list(Delivery.objects.values_list("pk", flat=True)))
    dispatch(crossed(tom), capture)

    assert list(Delivery.objects.values_list("customer", "outcome")) == [(stacy.pk, "queued")]
    assert campaign_messages(stacy) == campaign_messages(tom) == []


def test_resume_skipping_drops_what_waited_and_what_happened_while_paused(data_offer, capture):
    stacy, tom = consenting(), consenting()
    campaign = campaign_running(offer=data_offer)
    with capture(execute=False):
        event_dispatch(event_ids=crossed(stacy))
    campaign_pause(campaign_id=campaign.pk)
    dispatch(crossed(tom), capture)  # while paused

    with capture(execute=True):
        campaign_resume(campaign_id=campaign.pk, policy="skip")

    assert list(Delivery.objects.values_list("customer", "outcome")) == [(stacy.pk, "skipped")]
    assert campaign_messages(stacy) == campaign_messages(tom) == []
    assert campaign.state_changes.last().note == "skip (1 waiting dropped)"
    # and what happens after the resume is decided as before
    dispatch(crossed(tom), capture)
    assert len(campaign_messages(tom)) == 1


def test_resume_catching_up_sends_only_what_is_no_older_than_its_window(data_offer, capture):
    stacy, tom, ana = consenting(), consenting(), consenting()
    campaign = campaign_running(offer=data_offer)
    with capture(execute=False):
        event_dispatch(event_ids=crossed(stacy))
    Delivery.objects.update(decided_at=timezone.now() - dt.timedelta(hours=5))  # long queued
    campaign_pause(campaign_id=campaign.pk)
    dispatch(crossed(tom), capture)  # while paused: caught up
    with capture(execute=False):
        event_dispatch(event_ids=crossed(ana))  # also while paused

    with capture(execute=True):
        campaign_resume(campaign_id=campaign.pk, policy="catch_up", catch_up_hours=2)

    assert dict(Delivery.objects.values_list("customer", "outcome")) == {
        stacy.pk: "stale",
        tom.pk: "sent",
        ana.pk: "sent",
    }
    assert campaign_messages(stacy) == []
    assert len(campaign_messages(tom)) == len(campaign_messages(ana)) == 1
    assert campaign.state_changes.last().note == "catch up 2 h (1 stale, 2 decided)"


def test_resume_needs_a_policy_and_a_sane_window(data_offer):
    consenting()
    campaign = campaign_running(offer=data_offer)
    campaign_pause(campaign_id=campaign.pk)

    for policy, hours in (("replay-everything", 0), ("catch_up", 0), ("catch_up", 1000)):
        with pytest.raises(CampaignError):
            campaign_resume(campaign_id=campaign.pk, policy=policy, catch_up_hours=hours)

    assert Campaign.objects.get().state == "paused"


def test_an_edit_while_running_is_a_new_version_and_a_message_on_its_way_keeps_its_own(
    data_offer, capture
):
    stacy = consenting(name="Stacy Silva")
    campaign = campaign_running(offer=data_offer, message="First words, {first_name}")
    with capture(execute=False):
        event_dispatch(event_ids=crossed(stacy))
    campaign.message = "Second words, {first_name}"
    campaign.save()
    campaign_version_publish(campaign=campaign)

    campaign_deliveries_send(delivery_ids=list(Delivery.objects.values_list("pk", flat=True)))

    assert list(campaign.versions.values_list("number", "message")) == [
        (2, "Second words, {first_name}"),
        (1, "First words, {first_name}"),
    ]
    [message] = campaign_messages(stacy)
    assert message.body.startswith("First words, Stacy ")
    assert Delivery.objects.get().version.number == 1


def test_a_send_batch_writes_its_messages_together_in_queries_that_do_not_grow_with_it(
    data_offer, capture
):
    """Six queued decisions sent in a batch of two, then of four: the same queries each time
    (her home line for an SMS is read for the batch, not per message), one insert apiece for
    the messages, their first status rows and their tracked links; each delivery linked to its
    own message, and each message's delivery job published on commit."""
    customers = [consenting() for _ in range(6)]
    campaign_running(offer=data_offer)
    with capture(execute=False):
        event_dispatch(event_ids=[i for customer in customers for i in crossed(customer)])
    queued = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))

    counts = []
    for batch in (queued[:2], queued[2:]):
        with (
            CaptureQueriesContext(connection) as queries,
            capture(execute=False) as jobs,
        ):
            assert campaign_deliveries_send(delivery_ids=batch) == len(batch)
        counts.append(len(queries.captured_queries))
        inserts = [q["sql"].split(" (", 1)[0] for q in queries.captured_queries]
        for table in ("notification", "notificationstatuschange", "trackedlink"):
            assert inserts.count(f'INSERT INTO "selfcare_{table}"') == 1, table
        assert len(jobs) == 1  # one fan-out of the batch's delivery jobs

    assert counts[0] == counts[1]
    for delivery in Delivery.objects.select_related("notification", "line"):
        assert delivery.outcome == "sent"
        assert delivery.notification.customer_id == delivery.customer_id
        # by SMS to her home line, read for the whole batch at once
        assert (delivery.notification.medium, delivery.notification.recipient) == (
            "sms",
            delivery.line.msisdn,
        )
        assert delivery.notification.campaign_id == delivery.campaign_id
    assert Notification.objects.filter(campaign_id__isnull=False).count() == 6


def test_ending_drops_what_waited(data_offer, capture):
    stacy = consenting()
    campaign = campaign_running(offer=data_offer)
    with capture(execute=False):
        event_dispatch(event_ids=crossed(stacy))

    campaign_end(campaign_id=campaign.pk)

    assert list(Delivery.objects.values_list("outcome", "reason")) == [
        ("skipped", "The campaign ended.")
    ]
    with pytest.raises(CampaignError):
        campaign_end(campaign_id=campaign.pk)


def test_a_daily_schedule_runs_once_a_day_for_its_audience(night_pass, capture):
    buyers = [consenting() for _ in range(3)]
    consenting(base_plan="Postpaid Max")  # not in the audience
    campaign = draft(
        night_pass,
        code="tv-evening",
        trigger="schedule:daily",
        threshold_percent=None,
        schedule_time=dt.time(19, 0),
        audience_plans=["Prepaid Go"],
    )
    campaign_start(campaign_id=campaign.pk)
    evening = dt.datetime(2026, 12, 4, 19, 5, tzinfo=operator_zone())

    with capture(execute=True):
        assert campaign_schedules_run(at=evening) == 1
        assert campaign_schedules_run(at=evening + dt.timedelta(minutes=1)) == 0

    assert list(ScheduleRun.objects.values_list("occurrence", "decided")) == [
        ("schedule:2026-12-04", 3)
    ]
    assert sorted(Delivery.objects.values_list("customer", "outcome")) == sorted(
        (c.pk, "sent") for c in buyers
    )
    for customer in buyers:
        assert len(campaign_messages(customer)) == 1
    # the same run again (a job delivered twice) decides nothing twice
    campaign_schedule_run(campaign_id=campaign.pk, occurrence="schedule:2026-12-04")
    assert Delivery.objects.count() == 3


def test_the_dry_run_counts_every_outcome_and_writes_nothing(data_offer, capture):
    sent = [consenting() for _ in range(2)]
    silent = factories.CustomerFactory()
    other_plan = consenting(base_plan="Postpaid Max")
    events = []
    for who in (*sent, silent, other_plan):
        with capture(execute=False):
            events += crossed(who)
    campaign = draft(data_offer, audience_plans=["Prepaid Go"])

    result = campaign_dry_run(campaign_id=campaign.pk, days=7)

    assert result.events == 4
    assert dict(result.counts) == {
        "queued": 2,
        "no_consent": 1,
        "not_in_audience": 1,
    }
    assert sorted(reason for _, _, reason in result.samples) == sorted(
        ["", "", "No marketing consent.", "Not available on your plan (Postpaid Max)."]
    )
    assert not Delivery.objects.exists()
    assert not campaign.versions.exists()
    campaign.refresh_from_db()
    assert (campaign.state, campaign.current_version) == ("draft", None)
