"""With JavaScript off, every switch, Manage panel, confirmation and form is a plain HTML form:
a post without htmx's header is answered Post/Redirect/Get, back to the page it came from, with
a message saying what happened; a panel is a page of its own; bad input gets a clear message and
changes nothing. On the demo data, over HTTP, as a browser without JavaScript sends it."""

import html
import re
from decimal import Decimal

import pytest

from campaigns.models import Gift
from orders.models import Order, ProductInstance
from selfcare.models import LedgerEntry, Notification
from tests.orders.helpers import shown_price, tap
from tests.selfcare.test_sims import VALID

pytestmark = pytest.mark.django_db


@pytest.fixture
def state():
    """A snapshot of everything a post could write."""

    def snapshot():
        return (
            list(Order.objects.order_by("pk").values_list("pk", "status")),
            list(ProductInstance.objects.order_by("pk").values_list("pk", "status", "options")),
            list(LedgerEntry.objects.order_by("pk").values_list("pk", "amount")),
        )

    return snapshot


def words(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def messages_on(page) -> list[tuple[str, str]]:
    """The messages a page shows after a redirect: (level, words)."""
    return [
        (level, words(text))
        for level, text in re.findall(
            r'<li class="message message-(\w+)">(.*?)</li>', page.text, flags=re.S
        )
    ]


def followed(client, response, location: str):
    """The redirect a plain post answers with, to `location`, and the page it leads to."""
    assert response.status_code == 302, response.text[:500]
    assert response["Location"] == location
    return client.get(location)


def form(page_text: str, action: str) -> str:
    """The form that posts to `action`."""
    match = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', page_text, re.S)
    assert match, f"no form posting to {action}"
    return match.group(0)


def hidden(form_html: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', form_html).group(1))


BUSY = "This takes a few seconds: open the page again to see it done."


def stacy_owns(client, offers, name, django_capture_on_commit_callbacks, key="tap-0000001"):
    """What she owns before the test: bought as htmx buys it, so no message waits."""
    offer = offers[name]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/addons/{offer.pk}/on/", tap(offer, key), HTTP_HX_REQUEST="true")
    return ProductInstance.objects.get(offer=offer)


# The switch


def test_every_switch_is_a_form_a_browser_sends_by_itself(login, offers):
    client = login("stacy")

    page = client.get("/offers/").text

    data = offers["Data 15GB"]
    switch = form(page, f"/addons/{data.pk}/on/")
    assert 'method="post"' in switch
    assert 'name="csrfmiddlewaretoken"' in switch
    assert hidden(switch, "expected_price") == "10.00"
    assert re.fullmatch(r"[0-9a-f-]{36}", hidden(switch, "idempotency_key"))
    assert hidden(switch, "next") == "/offers/"
    assert re.search(r'<button type="submit"\s+id="addon-\d+-switch"\s+class="switch"', switch)
    # one that asks for choices first opens them (a page of its own without JavaScript)
    bundle = offers["My Fixed Price Bundle"]
    choices = form(page, f"/addons/{bundle.pk}/configure/")
    assert 'method="get"' in choices
    assert hidden(choices, "next") == "/offers/"


def test_switching_on_without_javascript_redirects_back_and_says_what_was_charged(
    login, offers, state, django_capture_on_commit_callbacks
):
    client = login("stacy")
    night = offers["Mobile TV Night Pass"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/addons/{night.pk}/on/", {**tap(night, "tap-0000001"), "next": "/offers/"}
        )

    page = followed(client, response, f"/offers/#addon-{night.pk}")
    instance = ProductInstance.objects.get()
    assert (instance.offer, instance.status) == (night, "active")
    assert list(LedgerEntry.objects.filter(kind="charge").values_list("amount", flat=True)) == [
        Decimal("-2.00")
    ]
    # what the tap did when she was sent back: the worker activates it a moment later
    assert messages_on(page) == [
        ("success", f"Mobile TV Night Pass: activating. €2.00 charged. {BUSY}")
    ]
    assert '<span id="balance">€28.00</span>' in page.text
    # the message is said once: the next page has none
    assert messages_on(client.get("/offers/")) == []


def test_a_switch_still_working_says_so_and_offers_to_look_again(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    data = offers["Data 15GB"]

    # the activation job has not run yet when she is sent back
    with django_capture_on_commit_callbacks():
        response = client.post(f"/addons/{data.pk}/on/", {**tap(data, "tap-0000001")})

    page = followed(client, response, f"/offers/{data.pk}/#addon-{data.pk}")
    assert messages_on(page) == [("success", f"Data 15GB: activating. €10.00 charged. {BUSY}")]
    assert re.search(
        rf'<noscript>\s*<form class="addon-more"\s+method="get"\s+'
        rf'action="/offers/{data.pk}/#addon-{data.pk}">\s*'
        r'<button type="submit" class="link-button">See if it is done</button>',
        page.text,
    )


def test_a_replayed_plain_tap_buys_once(login, offers, django_capture_on_commit_callbacks):
    client = login("stacy")
    data = offers["Data 15GB"]
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/addons/{data.pk}/on/", tap(data, "tap-0000001"))
        again = client.post(f"/addons/{data.pk}/on/", tap(data, "tap-0000001"))

    assert (first.status_code, again.status_code) == (302, 302)
    assert Order.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="charge").count() == 1


@pytest.mark.parametrize(
    ("username", "offer_name", "message"),
    [
        (
            "sam",
            "Data 15GB",
            "Your line is suspended: an unpaid top-up card was charged back. Call us on 1696 to "
            "reactivate it.",
        ),
    ],
)
def test_a_refused_plain_tap_says_why_and_changes_nothing(
    login, offers, state, username, offer_name, message
):
    client = login(username)
    offer = offers[offer_name]
    before = state()

    response = client.post(f"/addons/{offer.pk}/on/", {**tap(offer, "tap-0000001"), "next": "/"})

    page = followed(client, response, f"/#addon-{offer.pk}")
    assert messages_on(page) == [("error", message)]
    assert state() == before


def test_a_plain_tap_short_of_balance_says_so_with_a_link_to_top_up(
    login, offers, state, django_capture_on_commit_callbacks
):
    client = login("tom")  # €15.00
    for key, name in (("tap-0000001", "Data 15GB"), ("tap-0000002", "Games Club")):
        stacy_owns(client, offers, name, django_capture_on_commit_callbacks, key=key)
    night = offers["Mobile TV Night Pass"]
    before = state()

    response = client.post(
        f"/addons/{night.pk}/on/", {**tap(night, "tap-0000003"), "next": "/offers/"}
    )

    page = followed(client, response, f"/offers/#addon-{night.pk}")
    assert messages_on(page) == [
        (
            "error",
            "Your balance is €1.01; this costs €2.00. Top up and try again. Top up €1.00",
        )
    ]
    assert '<a class="topup-link" href="/topup/?amount=1.00">Top up €1.00</a>' in page.text
    assert state() == before


def test_a_plain_tap_at_a_price_no_longer_shown_is_refused_with_the_price_now(login, offers, state):
    client = login("stacy")
    data = offers["Data 15GB"]
    before = state()

    response = client.post(
        f"/addons/{data.pk}/on/", {"idempotency_key": "tap-0000001", "expected_price": "8.00"}
    )

    page = followed(client, response, f"/offers/{data.pk}/#addon-{data.pk}")
    assert messages_on(page) == [
        (
            "error",
            "The price is now €10.00, not the €8.00 you were shown, so nothing was charged. "
            "Tap again to switch it on at this price.",
        )
    ]
    assert state() == before


@pytest.mark.parametrize(
    "data",
    [{}, {"idempotency_key": "short", "expected_price": "10.00"}, {"idempotency_key": "k-000001"}],
)
def test_a_malformed_plain_tap_is_refused_and_changes_nothing(login, offers, state, data):
    client = login("stacy")
    offer = offers["Data 15GB"]
    before = state()

    response = client.post(f"/addons/{offer.pk}/on/", {**data, "next": "/offers/"})

    page = followed(client, response, f"/offers/#addon-{offer.pk}")
    assert messages_on(page) == [("error", "That request was malformed; please tap again.")]
    assert state() == before


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "offers/"])
def test_a_plain_post_never_sends_her_to_another_site(login, offers, next_url):
    client = login("stacy")
    offer = offers["Data 15GB"]

    response = client.post(f"/addons/{offer.pk}/on/", {**tap(offer, "k-0000001"), "next": next_url})

    assert response["Location"] == f"/offers/{offer.pk}/#addon-{offer.pk}"


# Switching off, with the refund confirmed first


def test_switching_off_without_javascript_confirms_on_a_page_then_refunds_exactly_that(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    instance = stacy_owns(client, offers, "Data 15GB", django_capture_on_commit_callbacks)
    data = instance.offer
    dashboard = client.get("/").text
    switch = form(dashboard, f"/addons/owned/{instance.pk}/off/")
    assert 'method="get"' in switch
    assert hidden(switch, "next") == "/"

    # her tap opens the confirmation as a page, with what comes back
    confirm = client.get(f"/addons/owned/{instance.pk}/off/", {"next": "/"})
    assert confirm.status_code == 200
    assert "<html" in confirm.text
    assert "<strong>€10.00 back to your balance.</strong>" in confirm.text
    off = form(confirm.text, f"/addons/owned/{instance.pk}/off/")
    assert 'method="post"' in off
    assert hidden(off, "expected_refund") == "10.00"
    assert hidden(off, "next") == "/"
    # "Keep it" leads back to where she was, changing nothing
    keep = form(confirm.text, f"/#addon-{data.pk}")
    assert 'method="get"' in keep
    assert ">Keep it</button>" in keep

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/addons/owned/{instance.pk}/off/",
            {
                "idempotency_key": hidden(off, "idempotency_key"),
                "expected_refund": "10.00",
                "next": "/",
            },
        )

    page = followed(client, response, f"/#addon-{data.pk}")
    instance.refresh_from_db()
    assert instance.status == "terminated"
    assert LedgerEntry.objects.get(kind="refund").amount == Decimal("10.00")
    assert messages_on(page) == [
        ("success", "Data 15GB: switching off. €10.00 back to your balance.")
    ]
    assert '<span id="balance">€30.00</span>' in page.text


def test_a_plain_switch_off_with_a_stale_refund_is_refused_with_the_new_one(
    login, offers, state, django_capture_on_commit_callbacks
):
    from selfcare.models import BYTES_PER_MB as MB
    from selfcare.models import Bucket

    client = login("stacy")
    instance = stacy_owns(client, offers, "Data 15GB", django_capture_on_commit_callbacks)
    Bucket.objects.filter(granted_by_instance=instance.pk).update(used=1536 * MB)
    before = state()

    response = client.post(
        f"/addons/owned/{instance.pk}/off/",
        {"idempotency_key": "off-0000001", "expected_refund": "10.00", "next": "/"},
    )

    page = followed(client, response, f"/#addon-{instance.offer_id}")
    assert messages_on(page) == [
        ("error", "The refund is now €9.00, not what you were shown. Please confirm again.")
    ]
    assert state() == before


@pytest.mark.parametrize(
    "data", [{"idempotency_key": "off-0000001"}, {"expected_refund": "10.00"}, {}]
)
def test_a_malformed_plain_switch_off_changes_nothing(
    login, offers, state, data, django_capture_on_commit_callbacks
):
    client = login("stacy")
    instance = stacy_owns(client, offers, "Data 15GB", django_capture_on_commit_callbacks)
    before = state()

    response = client.post(f"/addons/owned/{instance.pk}/off/", data)

    page = followed(client, response, f"/offers/{instance.offer_id}/#addon-{instance.offer_id}")
    assert messages_on(page) == [("error", "That request was malformed; please try again.")]
    assert state() == before


# The Manage panel: suspend, resume, turn renewal off, change options


def test_the_manage_panel_is_a_page_whose_controls_post_without_javascript(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    games = stacy_owns(client, offers, "Games Club", django_capture_on_commit_callbacks)
    manage_opener = form(client.get("/").text, f"/addons/owned/{games.pk}/manage/")
    assert 'method="get"' in manage_opener
    assert ">Manage Games Club</button>" in manage_opener

    panel = client.get(f"/addons/owned/{games.pk}/manage/", {"next": "/"})

    assert panel.status_code == 200
    assert "<html" in panel.text
    for action in ("suspend", "stop_renewal"):
        control = form(panel.text, f"/addons/owned/{games.pk}/{action}/")
        assert 'method="post"' in control
        assert 'name="csrfmiddlewaretoken"' in control
        assert hidden(control, "next") == "/"
    assert f"/addons/owned/{games.pk}/resume/" not in panel.text  # it is not suspended
    back = form(panel.text, f"/#addon-{games.offer_id}")
    assert ">Back</button>" in back


def _control(client, instance, action, key, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            f"/addons/owned/{instance.pk}/{action}/", {"idempotency_key": key, "next": "/"}
        )


def test_suspend_and_resume_without_javascript(
    login, offers, state, django_capture_on_commit_callbacks
):
    client = login("stacy")
    games = stacy_owns(client, offers, "Games Club", django_capture_on_commit_callbacks)
    offer_id = games.offer_id
    ledger = list(LedgerEntry.objects.values_list("pk", flat=True))

    response = _control(client, games, "suspend", "sus-000001", django_capture_on_commit_callbacks)

    page = followed(client, response, f"/#addon-{offer_id}")
    games.refresh_from_db()
    assert games.status == "suspended"
    assert messages_on(page) == [
        ("success", "Games Club is suspended: no time runs until you resume it.")
    ]

    # resuming it twice: the second is refused, says why, and changes nothing
    response = _control(client, games, "resume", "res-000001", django_capture_on_commit_callbacks)
    page = followed(client, response, f"/#addon-{offer_id}")
    games.refresh_from_db()
    assert games.status == "active"
    ends = games.ends_at
    (message,) = messages_on(page)
    assert message[0] == "success"
    assert message[1].startswith("Games Club runs again until ")
    before = state()
    response = _control(client, games, "resume", "res-000002", django_capture_on_commit_callbacks)
    page = followed(client, response, f"/#addon-{offer_id}")
    assert messages_on(page) == [("error", "Games Club is not suspended.")]
    assert state() == before
    games.refresh_from_db()
    assert games.ends_at == ends
    # and none of it charged or refunded anything
    assert list(LedgerEntry.objects.values_list("pk", flat=True)) == ledger


def test_turning_renewal_off_without_javascript(
    login, offers, state, django_capture_on_commit_callbacks
):
    client = login("stacy")
    games = stacy_owns(client, offers, "Games Club", django_capture_on_commit_callbacks)

    response = _control(
        client, games, "stop_renewal", "ren-000001", django_capture_on_commit_callbacks
    )

    page = followed(client, response, f"/#addon-{games.offer_id}")
    games.refresh_from_db()
    assert (games.status, games.renews) == ("pending_terminate", False)
    (message,) = messages_on(page)
    assert message[0] == "success"
    assert re.fullmatch(
        r"Renewal of Games Club is off: it runs until \w{3} \d{1,2} \w{3}, \d\d:\d\d, then ends, "
        r"and is not charged again\.",
        message[1],
    )
    # asked again, it is refused: it does not renew any more
    before = state()
    response = _control(
        client, games, "stop_renewal", "ren-000002", django_capture_on_commit_callbacks
    )
    page = followed(client, response, f"/#addon-{games.offer_id}")
    assert messages_on(page) == [("error", "Games Club does not renew.")]
    assert state() == before


def test_changing_options_without_javascript_shows_the_price_then_applies_it(
    login, offers, state, django_capture_on_commit_callbacks
):
    client = login("stacy")
    bundle = offers["My Fixed Price Bundle"]
    small = {"data": "5gb", "voice": "300", "extra": "music"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/{bundle.pk}/configure/",
            {"idempotency_key": "tap-0000001", "expected_price": "15.00", **small},
        )
    instance = ProductInstance.objects.get()
    url = f"/addons/owned/{instance.pk}/change/"
    bigger = {"data": "20gb", "voice": "300", "extra": "vod"}

    # the form is a page; "See the price" posts it and shows the effect, changing nothing
    opened = client.get(url, {"next": "/"})
    assert "<html" in opened.text
    assert 'method="post"' in form(opened.text, url)
    before = state()
    seen = client.post(url, {"idempotency_key": "chg-000001", "next": "/", **bigger})
    assert seen.status_code == 200
    assert "<html" in seen.text
    assert "New price €20.00 every 30 days (was €15.00)." in seen.text
    changing = form(seen.text, url)
    assert hidden(changing, "expected_due_now") == "5.00"
    assert hidden(changing, "next") == "/"
    assert re.search(
        rf'<button type="submit"\s+id="addon-{bundle.pk}-submit"\s+form="addon-{bundle.pk}-form"'
        r'\s+name="confirm"\s+value="1"',
        seen.text,
    )
    assert state() == before

    # confirming without the price it showed is refused on the page, nothing changed
    refused = client.post(
        url, {"idempotency_key": "chg-000001", "confirm": "1", "next": "/", **bigger}
    )
    assert refused.status_code == 400
    assert "Check the price of this change before you confirm it." in refused.text
    assert state() == before

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "idempotency_key": "chg-000001",
                "expected_due_now": "5.00",
                "confirm": "1",
                "next": "/",
                **bigger,
            },
        )

    page = followed(client, response, f"/#addon-{bundle.pk}")
    instance.refresh_from_db()
    assert (instance.options["data"], instance.price) == ("20gb", Decimal("20.00"))
    assert messages_on(page) == [
        (
            "success",
            "My Fixed Price Bundle changed: €20.00 every 30 days from now. €5.00 charged now for "
            "the rest of this period.",
        )
    ]


# Offers that ask for something first, and the confirmation code


def test_a_later_start_without_javascript(login, offers, state):
    import datetime as dt

    from django.utils import timezone

    client = login("stacy")
    bundle = offers["Monthly Bundle"]
    url = f"/addons/{bundle.pk}/configure/"
    opened = client.get(url, {"next": "/offers/"})
    assert "<html" in opened.text
    assert hidden(form(opened.text, url), "next") == "/offers/"
    before = state()

    wrong = client.post(
        url,
        {
            "idempotency_key": "tap-0000001",
            "expected_price": shown_price(bundle),
            "starts_at": "tomorrow",
            "next": "/offers/",
        },
    )
    assert wrong.status_code == 400
    assert "<html" in wrong.text
    assert "Enter a date and time, e.g. 2026-12-24 18:00." in wrong.text
    assert state() == before

    later = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url,
        {
            "idempotency_key": "tap-0000001",
            "expected_price": shown_price(bundle),
            "starts_at": later,
            "next": "/offers/",
        },
    )

    page = followed(client, response, f"/offers/#addon-{bundle.pk}")
    assert ProductInstance.objects.get().status == "scheduled"
    assert messages_on(page) == [("success", "Monthly Bundle: scheduled. €9.99 charged.")]


def test_a_gift_sent_and_accepted_without_javascript(
    login, client, offers, django_capture_on_commit_callbacks
):
    gift_offer = offers["Gift 1GB"]
    stacy = login("stacy")
    with django_capture_on_commit_callbacks(execute=True):
        response = stacy.post(
            f"/addons/{gift_offer.pk}/configure/",
            {
                "idempotency_key": "tap-0000001",
                "expected_price": shown_price(gift_offer, friend_msisdn="351910000002"),
                "friend_msisdn": "351 910 000 002",
                "next": "/offers/",
            },
        )
    page = followed(stacy, response, f"/offers/#addon-{gift_offer.pk}")
    (message,) = messages_on(page)
    assert message[0] == "success"
    assert message[1].startswith("Gift 1GB sent to +351 910 000 002.")
    gift = Gift.objects.get()

    client.logout()
    tom = login("tom")
    accept = form(tom.get("/gifts/").text, f"/gifts/{gift.pk}/accept/")
    assert 'method="post"' in accept
    assert 'name="csrfmiddlewaretoken"' in accept
    with django_capture_on_commit_callbacks(execute=True):
        response = tom.post(f"/gifts/{gift.pk}/accept/")
    page = followed(tom, response, "/gifts/")
    assert messages_on(page) == [("success", "Accepted: your gift is being activated.")]
    gift.refresh_from_db()
    assert gift.status != "sent"

    # accepting it again is refused, with why
    response = tom.post(f"/gifts/{gift.pk}/accept/")
    page = followed(tom, response, "/gifts/")
    ((level, _),) = messages_on(page)
    assert level == "error"


def _last_code() -> str:
    body = Notification.objects.filter(medium="sms").order_by("-id").first().body
    return re.match(r"(\d{6}) ", body).group(1)


def test_a_confirmation_code_without_javascript(login, offers, django_capture_on_commit_callbacks):
    client = login("stacy")
    travel = offers["Travel Line 30 days"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/addons/{travel.pk}/configure/",
            {**tap(travel, "tap-0000001"), "iccid": VALID, "next": "/offers/"},
        )
    order = Order.objects.get()
    assert order.status == "pending"

    # she is taken to the code's page, which keeps her way back
    code_page = followed(client, response, f"/orders/{order.pk}/code/?next=%2Foffers%2F")
    confirm = form(code_page.text, f"/orders/{order.pk}/confirm/")
    assert 'method="post"' in confirm
    assert hidden(confirm, "next") == "/offers/"
    assert f'formaction="/orders/{order.pk}/resend-code/"' in confirm

    # a wrong code is said next to the field, on the page
    wrong = client.post(f"/orders/{order.pk}/confirm/", {"code": "000000", "next": "/offers/"})
    assert wrong.status_code == 409
    assert "<html" in wrong.text
    assert 'class="field-error"' in wrong.text
    order.refresh_from_db()
    assert order.status == "pending"

    # "Send a new code" posts the same form to the resend address, and comes back here
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/orders/{order.pk}/resend-code/", {"code": "", "next": "/offers/"})
    page = followed(client, response, f"/orders/{order.pk}/code/?next=%2Foffers%2F")
    assert messages_on(page) == [("success", "A new code is on its way.")]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/orders/{order.pk}/confirm/", {"code": _last_code(), "next": "/offers/"}
        )

    page = followed(client, response, f"/offers/#addon-{travel.pk}")
    order.refresh_from_db()
    assert order.status == "completed"
    (message,) = messages_on(page)
    assert message[0] == "success"
    assert message[1] == f"Code accepted. Travel Line 30 days: activating. €5.00 charged. {BUSY}"


# No inline script: a Content-Security-Policy without 'unsafe-inline' will allow every page


def test_portal_pages_carry_no_inline_script_and_load_the_portals_own(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    games = stacy_owns(client, offers, "Games Club", django_capture_on_commit_callbacks)
    pages = [
        "/",
        "/offers/",
        f"/offers/{games.offer_id}/",
        f"/addons/owned/{games.pk}/manage/",
        f"/addons/owned/{games.pk}/off/",
        f"/addons/{offers['My Fixed Price Bundle'].pk}/configure/",
        "/gifts/",
    ]

    for url in pages:
        text = client.get(url).text
        scripts = re.findall(r"<script\b[^>]*>", text)
        assert scripts == [
            '<script src="/static/django_htmx/htmx-2.min.js" defer>',
            '<script src="/static/js/portal.js" defer>',
        ], url
        assert not re.search(r"\son[a-z]+=", text), url  # no inline event handlers either
