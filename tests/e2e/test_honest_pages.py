"""What only a browser proves about honest pages: a suspended add-on's switch is not painted as an
active one, and a note under a switch is not red unless something failed."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .conftest import switched_on

pytestmark = pytest.mark.browser

OK_GREEN = "rgb(23, 114, 69)"  # --ok
BAD_RED = "rgb(180, 35, 24)"  # --bad
MUTED = "rgb(91, 100, 112)"  # --muted


def test_a_suspended_add_on_is_not_drawn_active_and_its_note_is_not_red(stacy_page: Page):
    from orders.models import ProductInstance

    page = stacy_page
    # given Data 15GB switched on and active: its track is green
    switch = switched_on(page, "Data 15GB")
    track = switch.locator(".switch-track")
    expect(track).to_have_css("background-color", OK_GREEN)

    # when it is suspended (how is not what is tested here)
    ProductInstance.objects.filter(offer__name="Data 15GB").update(
        status=ProductInstance.Status.SUSPENDED,
        status_reason="Suspended by you",
        suspended_at=timezone.now(),
    )
    page.goto("/")

    # then her dashboard says so, in words and in looks: not green, the thumb not at "on"
    switch = page.get_by_role("switch", name="Data 15GB", exact=True)
    expect(switch).to_have_accessible_description("Suspended")
    track = switch.locator(".switch-track")
    expect(track).not_to_have_css("background-color", OK_GREEN)
    assert "repeating-linear-gradient" in track.evaluate(
        "element => getComputedStyle(element).backgroundImage"
    )
    expect(switch.locator(".switch-thumb")).to_have_css("left", "14px")
    # and why, as a note in grey, not an error in red
    offer_id = ProductInstance.objects.get(offer__name="Data 15GB").offer_id
    note = page.locator(f"#addon-{offer_id} .addon-note")
    expect(note).to_have_text("Suspended by you")
    expect(note).to_have_css("color", MUTED)
