"""A marketer in a real browser: she signs in to the admin, opens a running campaign, presses
Pause, then Resume skipping what happened while paused, and reads its dashboard. Screenshots of
the change page and the dashboard at 1280 px go to var/screenshots/."""

import datetime as dt
import importlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP

pytestmark = pytest.mark.browser
PASSWORD = "pass-word-123"  # tests.factories.UserFactory's
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def campaign(live_server):
    from django.apps import apps
    from django.utils import timezone

    from campaigns.models import Campaign, Delivery
    from campaigns.services import campaign_start
    from selfcare.models import Customer
    from tests.factories import CustomerFactory, OfferFactory, UserFactory

    # A transactional test before this one may have flushed the group the migration made: make
    # it again, with the migration's own permissions.
    importlib.import_module("campaigns.migrations.0006_marketing_group").create_group(apps, None)
    UserFactory(
        username="mary",
        first_name="Mary",
        last_name="Marketer",
        is_staff=True,
        groups=["Marketing"],
    )
    customers = [CustomerFactory(name=f"Customer {n}") for n in range(4)]
    Customer.objects.update(marketing_consent=True)
    offer = OfferFactory(data_offer=True)
    draft = Campaign.objects.create(
        name="Data running out",
        code="data-running-out",
        trigger="BucketThresholdCrossed",
        threshold_percent=80,
        offer=offer,
        message="{first_name}, {left} left until {ends}: {offer} for {price}.",
        holdout_percent=0,
    )
    running = campaign_start(campaign_id=draft.pk)
    now = timezone.now()
    for n, customer in enumerate(customers):  # sent over the last days, for its chart
        Delivery.objects.create(
            campaign=running,
            version=running.current_version,
            customer=customer,
            occurrence=f"event:{n}",
            outcome=Delivery.Outcome.SENT,
            decided_at=now - dt.timedelta(days=n),
            sent_at=now - dt.timedelta(days=n),
        )
    return running


def test_a_marketer_pauses_and_resumes_a_campaign_and_reads_its_dashboard(
    browser, live_server, campaign
):
    from campaigns.models import Campaign, CampaignStateChange

    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="en-GB")
    errors = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/admin/login/")
        page.get_by_label("Username").fill("mary")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/admin/$"))

        # she opens the campaign from the list
        page.goto("/admin/campaigns/campaign/")
        expect(page.get_by_role("button", name="Pause")).to_have_count(1)
        page.get_by_role("link", name="Data running out").click()
        expect(page.get_by_role("heading", name="Running — version 1")).to_be_visible()
        # only the trigger's own parameters show; another trigger shows its own
        expect(page.locator(".form-row.field-threshold_percent")).to_be_visible()
        expect(page.locator(".form-row.field-balance_below")).to_be_hidden()
        page.get_by_label("Trigger:", exact=True).select_option("BalanceLow")
        expect(page.locator(".form-row.field-balance_below")).to_be_visible()
        expect(page.locator(".form-row.field-threshold_percent")).to_be_hidden()
        page.reload()

        # when she presses Pause
        page.get_by_role("button", name="Pause", exact=True).click()

        # then it is paused, and Resume asks what to do with what happened meanwhile
        expect(page.get_by_text("“Data running out” is paused")).to_be_visible()
        expect(page.get_by_role("heading", name="Paused — version 1")).to_be_visible()
        expect(page.get_by_role("button", name="Pause", exact=True)).to_have_count(0)
        page.get_by_label("Skip it: only what happens from now on").check()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "campaign-change-1280.png", full_page=True)

        # when she resumes skipping it
        page.get_by_role("button", name="Resume", exact=True).click()

        # then it runs again
        expect(page.get_by_text("“Data running out” is running again.")).to_be_visible()
        expect(page.get_by_role("heading", name="Running — version 1")).to_be_visible()

        # and its dashboard shows the funnel, the sends per day and who paused and resumed it
        page.get_by_role("link", name="Dashboard").click()
        expect(page.get_by_role("heading", name="Funnel")).to_be_visible()
        expect(page.locator(".campaign-chart svg rect")).to_have_count(4)
        expect(page.get_by_text("4 messages sent from")).to_be_visible()
        history = page.locator(".campaign-history tbody tr")
        expect(history).to_have_count(3)
        expect(history.first).to_contain_text("Mary Marketer")
        expect(history.first).to_contain_text("skip (0 waiting dropped)")
        page.screenshot(path=SCREENSHOTS / "campaign-dashboard-1280.png", full_page=True)
    finally:
        context.close()
    assert errors == []
    assert Campaign.objects.get(pk=campaign.pk).state == Campaign.State.RUNNING
    assert list(
        CampaignStateChange.objects.filter(campaign=campaign)
        .order_by("changed_at", "id")
        .values_list("to_state", "changed_by_name")
    ) == [("running", ""), ("paused", "Mary Marketer"), ("running", "Mary Marketer")]
