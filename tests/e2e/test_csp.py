"""What only a browser proves about the Content-Security-Policy (issue 13, §4): under the header
htmx still works (tap → Working… → Active), and the browser refuses nothing on the portal's
dashboard and offers page, the console's customer page, the campaign dashboard, the offer add page
(with its preview frame) and the API docs. A script injected into a page does not run: the
policy is really enforced, so "no violation" above is not a watcher that sees nothing."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from .conftest import DESKTOP

pytestmark = pytest.mark.browser

# Installed in every document and frame before its own scripts: Playwright's init scripts are
# not subject to the page's policy, and the browser fires this event for every refusal.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const what = e.blockedURI || "inline";
  window.__csp.push(`${e.effectiveDirective} blocked ${what} in ${e.documentURI}`);
});
"""
DIRECTIVES = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
}


class Watched:
    """A page whose refusals are kept: the event in each frame, and the console's own words."""

    def __init__(self, page: Page):
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and self.console.append(message.text)
            ),
        )
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None, path
        assert response.status == 200, path
        header = response.header_value("content-security-policy") or ""
        assert set(header.split("; ")) == DIRECTIVES, (path, header)

    def violations(self) -> list[str]:
        # Every frame's own load event: each has fetched its styles, scripts and images, so any
        # refusal has been reported. (Not "networkidle": a half-second without a request is a
        # guess about timing, and a loaded machine can miss it.)
        found = list(self.console)
        for frame in self.page.frames:
            frame.wait_for_load_state("load")
            found += frame.evaluate("window.__csp || []")
        return found


def _context_page(browser: Browser, base_url: str, cookie: dict | None = None) -> Watched:
    context = browser.new_context(viewport=DESKTOP, base_url=base_url, locale="en-GB")
    context.add_init_script(WATCH)
    if cookie:
        context.add_cookies([cookie])
    return Watched(context.new_page())


def _session_cookie(live_server, user) -> dict:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


@pytest.fixture
def stacy(browser: Browser, portal) -> Iterator[Watched]:
    """Stacy (€30.00, no add-ons) signed in through the sign-in page, watched."""
    from orders.demo import DEMO_PASSWORD

    watched = _context_page(browser, portal.url)
    page = watched.page
    watched.open("/accounts/login/")
    page.get_by_label("Mobile number or e-mail").fill("stacy")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    yield watched
    page.context.close()


def test_a_switch_works_with_htmx_under_the_policy_and_nothing_is_refused(stacy: Watched):
    page = stacy.page
    # given her dashboard and the offers page, under the policy, with nothing refused
    stacy.open("/")
    expect(page.locator("#balance")).to_have_text("€30.00")
    assert stacy.violations() == []
    stacy.open("/offers/")
    switch = page.get_by_role("switch", name="Mobile TV Night Pass", exact=True)
    expect(switch).to_have_attribute("aria-checked", "false")
    page.evaluate("window.__marker = 1")
    held: list[Route] = []
    page.route("**/addons/*/on/", lambda route: held.append(route))

    # when she taps it (its request held, as on a slow network)
    switch.click()

    # then htmx and portal.js show Working… at once, then the answer, then Active, in place
    expect(switch).to_have_accessible_description("Working…")
    card = page.locator("article.addon").filter(
        has=page.get_by_role("heading", name="Mobile TV Night Pass", exact=True)
    )
    expect(card.locator(".switch-working")).to_be_visible()
    assert len(held) == 1
    held[0].continue_()
    expect(switch).to_have_accessible_description("Active")
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(page.locator("#balance")).to_have_text("€28.00")
    assert page.evaluate("window.__marker") == 1
    assert stacy.violations() == []
    assert stacy.errors == []


def test_an_injected_inline_script_and_style_are_refused(stacy: Watched):
    page = stacy.page
    stacy.open("/offers/")

    # when something puts an inline script and an inline style into her page
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__ran = true";
          document.body.append(script);
          document.body.setAttribute("style", "background: red");
        }"""
    )

    # then neither takes effect, and the browser reports both refusals
    assert page.evaluate("window.__ran === undefined")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    page.wait_for_function("window.__csp.length >= 2")
    refused = page.evaluate("window.__csp")
    assert any(v.startswith("script-src-elem blocked inline") for v in refused), refused
    assert any(v.startswith("style-src-attr blocked inline") for v in refused), refused


def test_the_console_the_admin_and_the_api_docs_refuse_nothing(browser: Browser, live_server):
    from django.utils import timezone

    from campaigns.models import Campaign, Delivery
    from campaigns.services import campaign_start
    from catalog.services import offer_template_load_pack
    from selfcare.models import Customer
    from tests.factories import CustomerFactory, OfferFactory, UserFactory

    # given a customer, a running campaign that sent her a message, the shipped offer templates,
    # and a member of staff allowed everywhere (an agent's and a marketer's pages alike)
    her = CustomerFactory(name="Stacy Martin", msisdn="351910000001")
    Customer.objects.filter(pk=her.pk).update(marketing_consent=True)
    offer_template_load_pack()
    running = campaign_start(
        campaign_id=Campaign.objects.create(
            name="Data running out",
            code="data-running-out",
            trigger="BucketThresholdCrossed",
            threshold_percent=80,
            offer=OfferFactory(data_offer=True),
            message="{first_name}, {left} left: {offer} for {price}.",
            holdout_percent=0,
        ).pk
    )
    Delivery.objects.create(
        campaign=running,
        version=running.current_version,
        customer=her,
        occurrence="event:1",
        outcome=Delivery.Outcome.SENT,
        decided_at=timezone.now(),
        sent_at=timezone.now(),
    )
    staff = UserFactory(username="root", is_staff=True, is_superuser=True)
    watched = _context_page(browser, live_server.url, _session_cookie(live_server, staff))
    page = watched.page
    try:
        # the console's customer page
        watched.open(f"/backoffice/customers/{her.pk}/")
        expect(page.get_by_role("heading", name="Stacy Martin")).to_be_visible()
        assert watched.violations() == []

        # the campaign dashboard, with its SVG chart
        watched.open(f"/admin/campaigns/campaign/{running.pk}/dashboard/")
        expect(page.get_by_role("heading", name="Funnel")).to_be_visible()
        expect(page.locator(".campaign-chart svg rect")).to_have_count(1)
        assert watched.violations() == []

        # the offer add page: the template picker, then the form whose preview follows her typing
        watched.open("/admin/catalog/offer/add/")
        page.get_by_role("link", name="Data add-on").click()
        card = page.frame_locator("#offer-preview-frame").locator("article.addon")
        expect(card.locator(".addon-price")).to_contain_text("€10.00")
        page.get_by_label("Name:", exact=True).fill("Weekend Data 20GB")
        expect(card.get_by_role("heading")).to_have_text("Weekend Data 20GB")
        assert watched.violations() == []

        # the API docs: Swagger UI draws the schema from our own files
        watched.open("/api/docs/")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Self-care API")
        expect(page.locator(".opblock").first).to_be_visible()
        assert watched.violations() == []
    finally:
        page.context.close()
    assert watched.errors == []
