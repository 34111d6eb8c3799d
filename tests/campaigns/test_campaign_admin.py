"""Marketers run campaigns in the admin (issue 11, §1 and §3): the Start, Pause, Resume, End
and Dry run buttons call the services with who pressed them; an edit of a running campaign is
a new version; the campaigns list shows today's counts in constant queries; nobody else may."""

import datetime as dt
import re

import pytest
from django.contrib.auth import authenticate
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, CampaignStateChange, CampaignVersion, Delivery
from campaigns.services import campaign_pause
from tests.factories import OfferFactory, UserFactory

from .conftest import campaign_running, consenting, crossed

pytestmark = pytest.mark.django_db
State = Campaign.State
Outcome = Delivery.Outcome


def url(name, campaign, query=""):
    return reverse(f"admin:campaigns_campaign_{name}", args=[campaign.pk]) + query


@pytest.fixture
def marketer(db):
    return UserFactory(
        username="mary",
        first_name="Mary",
        last_name="Marketer",
        is_staff=True,
        groups=["Marketing"],
    )


@pytest.fixture
def marketer_client(client, marketer):
    client.force_login(marketer)
    return client


@pytest.fixture
def stacy(db):
    return consenting(name="Stacy Silva")


def draft(*, offer, code="data-running-out", **terms) -> Campaign:
    values = {
        "name": code.replace("-", " ").capitalize(),
        "code": code,
        "trigger": "BucketThresholdCrossed",
        "threshold_percent": 80,
        "offer": offer,
        "message": "{first_name}, {left} left: {offer} for {price}.",
        "holdout_percent": 0,
        "quiet_hours": False,
        **terms,
    }
    return Campaign.objects.create(**values)


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_data(campaign: Campaign, **overrides) -> dict:
    """The change form as the page posts it, with `overrides`."""
    data = {
        "name": campaign.name,
        "code": campaign.code,
        "trigger": campaign.trigger,
        "threshold_percent": campaign.threshold_percent or "",
        "bucket_unit": campaign.bucket_unit,
        "balance_below": campaign.balance_below or "",
        "place": campaign.place,
        "trigger_offer": campaign.trigger_offer_id or "",
        "schedule_at": "",
        "schedule_time": "",
        "audience_statuses": campaign.audience_statuses,
        "audience_min_tenure_days": campaign.audience_min_tenure_days,
        "audience_plans": ", ".join(campaign.audience_plans),
        "audience_segments": ", ".join(campaign.audience_segments),
        "audience_requires": _ids(campaign, "audience_requires"),
        "audience_excludes": _ids(campaign, "audience_excludes"),
        "audience_bought": _ids(campaign, "audience_bought"),
        "audience_bought_days": campaign.audience_bought_days,
        "action": campaign.action,
        "offer": campaign.offer_id or "",
        "link_to": campaign.link_to,
        "medium": campaign.medium,
        "message": campaign.message,
        "cap_messages": campaign.cap_messages,
        "cap_days": campaign.cap_days,
        "priority": campaign.priority,
        "stale_after_hours": campaign.stale_after_hours,
        "holdout_percent": campaign.holdout_percent,
    }
    if campaign.quiet_hours:
        data["quiet_hours"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _ids(campaign, name) -> list[int]:
    return [o.pk for o in getattr(campaign, name).all()] if campaign.pk else []


# The buttons


def test_start_runs_a_draft_as_version_1_and_records_who_pressed_it(
    marketer_client, marketer, stacy, data_offer
):
    campaign = draft(offer=data_offer)

    response = marketer_client.post(url("start", campaign))

    assert response.status_code == 302
    assert response["Location"] == url("change", campaign)
    campaign.refresh_from_db()
    assert campaign.state == State.RUNNING
    assert campaign.current_version.number == 1
    assert campaign.current_version.created_by == marketer
    [change] = CampaignStateChange.objects.filter(campaign=campaign)
    assert (change.from_state, change.to_state, change.changed_by, change.changed_by_name) == (
        State.DRAFT,
        State.RUNNING,
        marketer,
        "Mary Marketer",
    )
    assert texts(response) == [
        "“Data running out” is running: it decides for every event of its trigger from now on."
    ]


def test_start_refused_shows_what_to_fix_and_changes_nothing(marketer_client, stacy, data_offer):
    campaign = draft(offer=data_offer, cap_messages=0, message="Hello {name}")

    response = marketer_client.post(url("start", campaign), follow=True)

    assert response.status_code == 200
    assert texts(response) == [
        "“Data running out” was not started. Fix this first: nothing was changed.",
        "Its cap is 0: allow at least 1 message in at least 1 day.",
        "Unknown in the message: name. It may use {first_name}, {offer}, {price}, {left}, "
        "{ends}, {balance}.",
    ]
    assert "Its cap is 0" in response.text  # shown on the page it lands on
    campaign.refresh_from_db()
    assert campaign.state == State.DRAFT
    assert campaign.current_version is None
    assert not CampaignVersion.objects.exists()
    assert not CampaignStateChange.objects.exists()


def test_pause_pauses_a_running_campaign_and_records_who(
    marketer_client, marketer, stacy, data_offer
):
    campaign = campaign_running(offer=data_offer)

    response = marketer_client.post(url("pause", campaign))

    assert response["Location"] == url("change", campaign)
    campaign.refresh_from_db()
    assert campaign.state == State.PAUSED
    change = CampaignStateChange.objects.filter(campaign=campaign).last()
    assert (change.from_state, change.to_state, change.changed_by) == (
        State.RUNNING,
        State.PAUSED,
        marketer,
    )


def test_pause_from_the_list_goes_back_to_the_list(marketer_client, stacy, data_offer):
    campaign = campaign_running(offer=data_offer)

    response = marketer_client.post(url("pause", campaign, "?from=list"))

    assert response["Location"] == reverse("admin:campaigns_campaign_changelist")
    campaign.refresh_from_db()
    assert campaign.state == State.PAUSED


def _queued(campaign, customer, *, decided_at=None) -> Delivery:
    return Delivery.objects.create(
        campaign=campaign,
        version=campaign.current_version,
        customer=customer,
        occurrence=f"event:{Delivery.objects.count() + 1}",
        outcome=Outcome.QUEUED,
        decided_at=decided_at or timezone.now(),
    )


def test_resume_skipping_drops_what_waited_and_records_who(
    marketer_client, marketer, stacy, data_offer
):
    campaign = campaign_running(offer=data_offer)
    waiting = _queued(campaign, stacy)
    campaign_pause(campaign_id=campaign.pk)

    response = marketer_client.post(url("resume", campaign), {"policy": "skip"})

    assert response["Location"] == url("change", campaign)
    campaign.refresh_from_db()
    assert campaign.state == State.RUNNING
    waiting.refresh_from_db()
    assert waiting.outcome == Outcome.SKIPPED
    change = CampaignStateChange.objects.filter(campaign=campaign).last()
    assert (change.from_state, change.to_state, change.changed_by, change.note) == (
        State.PAUSED,
        State.RUNNING,
        marketer,
        "skip (1 waiting dropped)",
    )


def test_resume_catching_up_keeps_what_is_recent_and_drops_what_is_older(
    marketer_client, marketer, stacy, data_offer, django_capture_on_commit_callbacks
):
    campaign = campaign_running(offer=data_offer)
    recent = _queued(campaign, stacy)
    old = _queued(campaign, consenting(), decided_at=timezone.now() - dt.timedelta(hours=7))
    campaign_pause(campaign_id=campaign.pk)

    with django_capture_on_commit_callbacks(execute=False):
        response = marketer_client.post(
            url("resume", campaign), {"policy": "catch_up", "catch_up_hours": "6"}
        )

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.state == State.RUNNING
    recent.refresh_from_db()
    old.refresh_from_db()
    assert (recent.outcome, old.outcome) == (Outcome.QUEUED, Outcome.STALE)
    change = CampaignStateChange.objects.filter(campaign=campaign).last()
    assert change.changed_by == marketer
    assert change.note == "catch up 6 h (1 stale, 0 decided)"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"policy": "catch_up", "catch_up_hours": "0"}, "Catch up between 1 and 72 hours."),
        ({"policy": "catch_up", "catch_up_hours": "100"}, "Catch up between 1 and 72 hours."),
        ({"policy": "catch_up"}, "Catch up between 1 and 72 hours."),
    ],
)
def test_resume_refused_says_why_and_changes_nothing(
    marketer_client, stacy, data_offer, data, problem
):
    campaign = campaign_running(offer=data_offer)
    waiting = _queued(campaign, stacy)
    campaign_pause(campaign_id=campaign.pk)
    changes = CampaignStateChange.objects.count()

    response = marketer_client.post(url("resume", campaign), data)

    assert texts(response) == ["“Data running out” was not resumed: nothing was changed.", problem]
    campaign.refresh_from_db()
    assert campaign.state == State.PAUSED
    waiting.refresh_from_db()
    assert waiting.outcome == Outcome.QUEUED
    assert CampaignStateChange.objects.count() == changes


def test_resume_without_a_policy_asks_for_one_again(marketer_client, stacy, data_offer):
    campaign = campaign_running(offer=data_offer)
    campaign_pause(campaign_id=campaign.pk)

    response = marketer_client.post(url("resume", campaign), {"policy": "blast"})

    assert response.status_code == 400
    assert "Select a valid choice." in response.text
    campaign.refresh_from_db()
    assert campaign.state == State.PAUSED


def test_the_resume_page_offers_both_policies(marketer_client, stacy, data_offer):
    campaign = campaign_running(offer=data_offer)
    campaign_pause(campaign_id=campaign.pk)

    response = marketer_client.get(url("resume", campaign))

    assert response.status_code == 200
    assert 'value="skip"' in response.text
    assert 'value="catch_up"' in response.text
    assert 'name="catch_up_hours"' in response.text


def test_end_ends_it_and_drops_what_waited(marketer_client, marketer, stacy, data_offer):
    campaign = campaign_running(offer=data_offer)
    waiting = _queued(campaign, stacy)

    marketer_client.post(url("end", campaign))

    campaign.refresh_from_db()
    assert campaign.state == State.ENDED
    waiting.refresh_from_db()
    assert waiting.outcome == Outcome.SKIPPED
    change = CampaignStateChange.objects.filter(campaign=campaign).last()
    assert (change.from_state, change.to_state, change.changed_by) == (
        State.RUNNING,
        State.ENDED,
        marketer,
    )


def test_a_button_for_a_state_it_is_not_in_is_refused(marketer_client, stacy, data_offer):
    campaign = draft(offer=data_offer)

    response = marketer_client.post(url("pause", campaign))

    assert texts(response) == [
        "“Data running out” was not paused: nothing was changed.",
        "It is draft: only a running one pauses.",
    ]
    campaign.refresh_from_db()
    assert campaign.state == State.DRAFT


@pytest.mark.parametrize("button", ["start", "pause", "end"])
def test_the_buttons_change_nothing_on_a_get(marketer_client, stacy, data_offer, button):
    campaign = draft(offer=data_offer)

    response = marketer_client.get(url(button, campaign))

    assert response.status_code == 405
    campaign.refresh_from_db()
    assert campaign.state == State.DRAFT


def test_the_change_page_shows_the_buttons_its_state_allows_and_the_dashboard(
    marketer_client, stacy, data_offer
):
    campaign = campaign_running(offer=data_offer)

    page = marketer_client.get(url("change", campaign)).text

    buttons = re.findall(r'<button type="submit" class="button[^"]*">([^<]+)</button>', page)
    assert buttons == ["Pause", "Dry run", "End"]
    assert f'href="{url("dashboard", campaign)}"' in page
    assert not re.search(r'name="state"', page)  # read-only: only the buttons change it

    campaign_pause(campaign_id=campaign.pk)
    page = marketer_client.get(url("change", campaign)).text
    buttons = re.findall(r'<button type="submit" class="button[^"]*">([^<]+)</button>', page)
    assert buttons == ["Resume", "Dry run", "End"]
    assert 'value="catch_up"' in page


# Editing


def test_saving_a_running_campaign_makes_version_2_and_a_decision_before_keeps_version_1(
    marketer_client, marketer, stacy, data_offer
):
    campaign = campaign_running(offer=data_offer)
    before = _queued(campaign, stacy)

    response = marketer_client.post(
        url("change", campaign), form_data(campaign, message="{first_name}: {offer} now.")
    )

    assert response.status_code == 302, response.text
    campaign.refresh_from_db()
    assert campaign.state == State.RUNNING
    assert campaign.message == "{first_name}: {offer} now."
    assert campaign.current_version.number == 2
    assert campaign.current_version.message == "{first_name}: {offer} now."
    assert campaign.current_version.created_by == marketer
    before.refresh_from_db()
    assert before.version.number == 1
    assert before.version.message == "{first_name}, {left} left until {ends}: {offer} for {price}."
    assert texts(response)[0] == ("Saved as version 2: what was decided before keeps its version.")


def test_saving_a_paused_campaign_makes_a_version_and_leaves_it_paused(
    marketer_client, stacy, data_offer
):
    campaign = campaign_running(offer=data_offer)
    campaign_pause(campaign_id=campaign.pk)
    campaign.refresh_from_db()

    marketer_client.post(url("change", campaign), form_data(campaign, priority=70))

    campaign.refresh_from_db()
    assert (campaign.state, campaign.priority, campaign.current_version.number) == (
        State.PAUSED,
        70,
        2,
    )


def test_a_pause_while_the_form_was_open_is_not_undone_by_its_save(
    marketer_client, stacy, data_offer
):
    campaign = campaign_running(offer=data_offer)
    data = form_data(campaign, priority=70)  # the form, as loaded while it ran
    campaign_pause(campaign_id=campaign.pk)

    marketer_client.post(url("change", campaign), data)

    campaign.refresh_from_db()
    assert (campaign.state, campaign.priority) == (State.PAUSED, 70)


def test_saving_a_running_campaign_unchanged_makes_no_version(marketer_client, stacy, data_offer):
    campaign = campaign_running(offer=data_offer)

    marketer_client.post(url("change", campaign), form_data(campaign))

    assert CampaignVersion.objects.filter(campaign=campaign).count() == 1


def test_an_edit_that_would_stop_a_running_campaign_sending_is_refused(
    marketer_client, stacy, data_offer
):
    campaign = campaign_running(offer=data_offer)

    response = marketer_client.post(url("change", campaign), form_data(campaign, cap_messages=0))

    assert response.status_code == 200
    assert "It is running, so it must stay able to send:" in response.text
    assert "Its cap is 0: allow at least 1 message in at least 1 day." in response.text
    campaign.refresh_from_db()
    assert campaign.cap_messages == 1
    assert CampaignVersion.objects.filter(campaign=campaign).count() == 1


def test_saving_a_draft_just_saves(marketer_client, stacy, data_offer):
    campaign = draft(offer=data_offer)

    marketer_client.post(
        url("change", campaign),
        form_data(campaign, audience_plans="Prepaid Go, Family Bundle M", cap_messages=0),
    )

    campaign.refresh_from_db()
    assert campaign.audience_plans == ["Prepaid Go", "Family Bundle M"]
    assert campaign.cap_messages == 0  # Start will say what to fix
    assert (campaign.state, campaign.current_version) == (State.DRAFT, None)
    assert not CampaignVersion.objects.exists()


def test_a_marketer_adds_a_draft_with_lists_as_checkboxes_and_text(marketer_client, data_offer):
    blank = Campaign(name="Balance low", code="balance-low", trigger="BalanceLow")

    response = marketer_client.post(
        reverse("admin:campaigns_campaign_add"),
        form_data(
            blank,
            balance_below="3.00",
            threshold_percent="",
            audience_statuses=["active", "churn_risk"],
            audience_segments="students , families",
            action="message",
            link_to="topup",
            message="{first_name}, your balance is {balance}: top up now.",
        ),
    )

    assert response.status_code == 302, response.text
    campaign = Campaign.objects.get(code="balance-low")
    assert campaign.state == State.DRAFT
    assert campaign.audience_statuses == ["active", "churn_risk"]
    assert campaign.audience_segments == ["students", "families"]
    assert str(campaign.balance_below) == "3.00"


def test_the_form_has_no_raw_json_box_and_its_trigger_knows_its_parameters(marketer_client):
    page = marketer_client.get(reverse("admin:campaigns_campaign_add")).text

    assert 'type="checkbox" name="audience_statuses" value="active"' in page
    assert re.search(r'<input type="text" name="audience_plans"', page)
    assert re.search(r'<input type="text" name="audience_segments"', page)
    assert "<textarea" not in page.split('name="audience_plans"')[0].split("audience_statuses")[-1]
    assert "data-parameters=" in page
    assert "campaigns/campaign_form.js" in page
    for heading in ("Trigger", "Audience", "Action", "Caps and manners", "Measurement"):
        assert f">{heading}</h2>" in page


# Dry run


def test_a_dry_run_shows_counts_samples_and_events_and_writes_nothing(marketer_client, data_offer):
    customers = [consenting(name=f"Customer {n}") for n in range(3)]
    for customer in customers:
        crossed(customer)
    campaign = draft(offer=data_offer, holdout_percent=0)
    deliveries, versions = Delivery.objects.count(), CampaignVersion.objects.count()

    response = marketer_client.post(url("dry_run", campaign), {"days": "7"})

    assert response.status_code == 200
    result = response.context["result"]
    assert result.events == 3
    assert result.counts == {Outcome.QUEUED: 3}
    assert dict(result.rows())["Queued"] == 3
    assert {customer.name for customer, _, _ in result.samples} == {c.name for c in customers}
    assert "3 events of its trigger looked at" in response.text
    assert "Customer 0" in response.text
    assert (Delivery.objects.count(), CampaignVersion.objects.count()) == (deliveries, versions)
    campaign.refresh_from_db()
    assert (campaign.state, campaign.current_version) == (State.DRAFT, None)


def test_a_dry_run_over_0_days_is_refused(marketer_client, data_offer):
    campaign = draft(offer=data_offer)

    response = marketer_client.post(url("dry_run", campaign), {"days": "0"})

    assert response.status_code == 400
    assert response.context["result"] is None
    assert "Ensure this value is greater than or equal to 1." in response.text


# The list


def test_the_list_shows_state_trigger_todays_counts_and_pause_or_resume(
    marketer_client, stacy, data_offer
):
    running = campaign_running(offer=data_offer)
    paused = campaign_running(offer=data_offer, code="balance-low")
    campaign_pause(campaign_id=paused.pk)
    _queued(running, stacy)
    sent = _queued(running, consenting())
    Delivery.objects.filter(pk=sent.pk).update(outcome=Outcome.SENT, sent_at=timezone.now())
    # decided and sent yesterday: not today's
    yesterday = timezone.now() - dt.timedelta(days=1, hours=1)
    old = _queued(running, consenting(), decided_at=yesterday)
    Delivery.objects.filter(pk=old.pk).update(outcome=Outcome.SENT, sent_at=yesterday)

    response = marketer_client.get(reverse("admin:campaigns_campaign_changelist"))

    rows = {c.pk: c.today for c in response.context["cl"].result_list}
    assert (rows[running.pk].decided, rows[running.pk].sent) == (2, 1)
    assert (rows[paused.pk].decided, rows[paused.pk].sent) == (0, 0)
    assert f'formaction="{url("pause", running)}?from=list">Pause</button>' in response.text
    assert f'href="{url("resume", paused)}?from=list">Resume…</a>' in response.text
    assert "An allowance is % used" in response.text
    assert 'id="campaign-row-action"' in response.text


def test_the_list_costs_the_same_queries_for_1_or_20_campaigns(
    marketer_client, stacy, data_offer, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = campaign_running(offer=data_offer, code="c-0")
    _queued(first, stacy)
    changelist = reverse("admin:campaigns_campaign_changelist")
    with CaptureQueriesContext(connection) as one:
        assert marketer_client.get(changelist).status_code == 200
    for n in range(1, 20):
        campaign = campaign_running(offer=data_offer, code=f"c-{n}")
        _queued(campaign, stacy)
        if n % 2:
            campaign_pause(campaign_id=campaign.pk)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = marketer_client.get(changelist)

    assert len(response.context["cl"].result_list) == 20


# Who may


@pytest.mark.parametrize("group", ["Product managers", "Call-centre agents"])
def test_product_managers_and_agents_get_no_campaign_page_nor_button(
    client, stacy, data_offer, group
):
    campaign = campaign_running(offer=data_offer)
    client.force_login(UserFactory(is_staff=True, groups=[group]))

    pages = [
        reverse("admin:campaigns_campaign_changelist"),
        reverse("admin:campaigns_campaign_add"),
        url("change", campaign),
        url("dashboard", campaign),
        url("export", campaign),
        url("resume", campaign),
        reverse("admin:campaigns_delivery_changelist"),
    ]
    for page in pages:
        assert client.get(page).status_code == 403, page
    for button in ("start", "pause", "resume", "end", "dry_run"):
        assert client.post(url(button, campaign), {"policy": "skip"}).status_code == 403, button
    campaign.refresh_from_db()
    assert campaign.state == State.RUNNING
    assert CampaignStateChange.objects.count() == 1


def test_a_marketer_sees_and_edits_campaigns_but_not_the_catalog(
    marketer_client, stacy, data_offer
):
    campaign = campaign_running(offer=data_offer)
    offer = OfferFactory(draft=True)

    assert marketer_client.get(reverse("admin:campaigns_campaign_changelist")).status_code == 200
    assert marketer_client.get(url("change", campaign)).status_code == 200
    assert marketer_client.get(url("dashboard", campaign)).status_code == 200
    assert marketer_client.get(reverse("admin:campaigns_delivery_changelist")).status_code == 200
    assert (
        marketer_client.get(reverse("admin:campaigns_campaignversion_changelist")).status_code
        == 200
    )
    assert (
        marketer_client.get(reverse("admin:catalog_offer_change", args=[offer.pk])).status_code
        == 403
    )
    assert marketer_client.get(reverse("admin:catalog_offer_changelist")).status_code == 403


def test_the_demo_has_a_marketer_in_the_marketing_group():
    from orders.demo import DEMO_PASSWORD, demo_data_load

    demo_data_load()

    marketer = authenticate(
        RequestFactory().post("/accounts/login/"), username="marketer", password=DEMO_PASSWORD
    )
    assert marketer is not None
    assert marketer.is_staff
    assert not marketer.is_superuser
    assert list(marketer.groups.values_list("name", flat=True)) == ["Marketing"]
    assert marketer.has_perm("campaigns.change_campaign")
    assert marketer.has_perm("campaigns.view_delivery")
    assert not marketer.has_perm("campaigns.change_delivery")
    assert not marketer.has_perm("catalog.change_offer")
    assert not marketer.has_perm("catalog.view_offer")
    pm = authenticate(
        RequestFactory().post("/accounts/login/"), username="pm", password=DEMO_PASSWORD
    )
    assert not any(p.startswith("campaigns.") for p in pm.get_all_permissions())
