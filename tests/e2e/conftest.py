"""Real-browser fixtures: Debian's chromium driven by Playwright against `live_server`, with the
demo data loaded and a real Celery worker activating add-ons in a thread, as customers get them."""

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

# Playwright's sync API runs an event loop in the test thread, so Django's ORM would refuse to run
# there ("cannot call this from an async context"); nothing here touches the ORM from a coroutine.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# Playwright's own browser download does not work here: Debian's chromium is the browser.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
DEMO_USERNAME = "stacy"
# A refusal the page shows (400, 402, 409: the reason next to the form or switch) is the browser
# logging a 4xx, not a script error; a 5xx or a script error still fails the test.
REFUSAL = re.compile(r"^Failed to load resource: the server responded with a status of 40[029] ")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def portal(settings, live_server, celery_worker_thread):
    """The portal as `make run` serves it: the demo data, a real worker, and a network slow enough
    (400 ms) that "Activating…" shows before "Active"."""
    from django.contrib.auth.models import Group

    from orders.demo import STAFF, demo_data_load

    settings.NETWORK_SIMULATED_LATENCY_MS = 400
    # The flush after every transactional test empties all tables, the groups the migrations made
    # too. (Serialized rollback cannot bring them back here: once Playwright runs an event loop in
    # this thread, Django keeps its connections in a context variable, so the connection that held
    # the serialized database before the browser started is no longer the one in use.)
    for _username, _name, groups in STAFF:
        for group in groups:
            Group.objects.get_or_create(name=group)
    demo_data_load()
    return live_server


def _signed_in_page(browser: Browser, base_url: str, viewport: dict) -> Iterator[Page]:
    from orders.demo import DEMO_PASSWORD

    context = browser.new_context(viewport=viewport, base_url=base_url, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not REFUSAL.match(message.text)
            and errors.append(message.text)
        ),
    )
    page.goto("/accounts/login/")
    page.get_by_label("Mobile number or e-mail").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    yield page
    context.close()
    # A script error (htmx failing to swap, a 500 behind a poll) fails the test that caused it.
    assert errors == []


@pytest.fixture
def stacy_page(browser, portal) -> Iterator[Page]:
    """A desktop browser with stacy (€30.00, no add-ons) signed in."""
    yield from _signed_in_page(browser, portal.url, DESKTOP)


@pytest.fixture
def stacy_phone(browser, portal) -> Iterator[Page]:
    """A phone-sized browser with stacy signed in."""
    yield from _signed_in_page(browser, portal.url, PHONE)


def switched_on(page: Page, name: str) -> Locator:
    """Her add-on `name` switched on from the offers page and settled as "Active": its switch."""
    page.goto("/offers/")
    switch = page.get_by_role("switch", name=name, exact=True)
    switch.click()
    expect(switch).to_have_accessible_description("Active")
    return switch
