"""The price a customer is shown before she commits is the price charged, for every kind of
offer in the demo: each test reads the price on the page that submits the purchase (the switch's
card, or the configure form and its quote), posts what that page posts, and compares the ledger.
A price that is no longer the one shown is refused with a message, and nothing is written."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Order, ProductInstance
from selfcare.models import Interaction, LedgerEntry, Notification
from tests.selfcare.test_sims import VALID

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TOM = "351910000002"


def words(text: str) -> str:
    """The text as read: tags' line breaks and indentation as single spaces."""
    return " ".join(text.split())


def card(page: str, offer) -> str:
    """The add-on's card (or configure form) in a page or fragment."""
    start = page.index(f'id="addon-{offer.pk}"')
    return page[start : page.index("</article>", start)]


def amount(text: str) -> Decimal:
    """The amount a customer reads: "€9.00" (a crossed-out price left out), or "Free"."""
    text = re.sub(r"<s\b.*?</s>", "", text, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    if re.search(r"\bFree\b", text):
        return Decimal("0.00")
    return Decimal(re.search(r"€([\d,]+\.\d\d)", text).group(1).replace(",", ""))


def switch_shows(page: str, offer) -> tuple[Decimal, str, str]:
    """What a switch's card says it costs, and the key and price a tap on it posts."""
    found = card(page, offer)
    shown = re.search(r'<p class="addon-price">(.*?)</p>', found, flags=re.S).group(1)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', found).group(1)
    posted = re.search(r'name="expected_price" value="([^"]+)"', found).group(1)
    return amount(shown), key, posted


def form_shows(fragment: str) -> tuple[Decimal, str]:
    """What the configure form's quote says it costs, and the price the form posts."""
    quote = fragment[fragment.index('class="quote"') :]
    shown = re.search(r'<p class="addon-price">(.*?)</p>', quote, flags=re.S).group(1)
    posted = re.search(r'name="expected_price" value="([^"]+)"', fragment).group(1)
    return amount(shown), posted


def form_key(fragment: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', fragment).group(1)


def charged(username: str) -> Decimal:
    """What she has been charged in all."""
    entries = LedgerEntry.objects.filter(
        account__customer__user__username=username, kind=LedgerEntry.Kind.CHARGE
    )
    return -sum((entry.amount for entry in entries), Decimal("0.00"))


def nothing_bought():
    return (
        Order.objects.count(),
        ProductInstance.objects.count(),
        LedgerEntry.objects.exclude(kind="top_up").count(),
        Interaction.objects.filter(kind="order_placed").count(),
    ) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("name", "price"),
    [
        ("Data 15GB", "10.00"),  # data add-on
        ("Mobile TV Night Pass", "2.00"),  # time pass
        ("Monthly Bundle", "9.99"),  # recurring bundle
        ("Games Club", "3.99"),  # third-party service
        ("Video Rollover", "0.99"),  # rollover
        ("Loyalty Data", "0.00"),  # loyalty, free
        ("Summer Data 20GB", "9.00"),  # channel-priced promotion: the portal's price
    ],
)
def test_a_switch_charges_the_price_on_its_card(
    login, offers, name, price, django_capture_on_commit_callbacks
):
    client = login("stacy")
    offer = offers[name]

    shown, key, posted = switch_shows(client.get("/offers/").text, offer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/addons/{offer.pk}/on/", {"idempotency_key": key, "expected_price": posted}, **HTMX
        )

    assert response.status_code == 200
    assert shown == Decimal(posted) == Decimal(price)
    assert charged("stacy") == shown
    assert ProductInstance.objects.get(offer=offer).status == "active"


def test_the_configurable_bundle_charges_the_price_of_the_options_picked(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    bundle = offers["My Fixed Price Bundle"]
    assert "From €15.00 every 30 days" in words(card(client.get("/offers/").text, bundle))

    form = client.get(f"/addons/{bundle.pk}/configure/", **HTMX).text
    assert form_shows(form) == (Decimal("15.00"), "15.00")  # it opens on a complete choice
    picked = {"data": "20gb", "voice": "unlimited", "extra": "vod"}
    quote = client.get(f"/addons/{bundle.pk}/quote/", picked, **HTMX).text
    shown, posted = form_shows(quote)
    assert "Data: 20 GB, Voice: Unlimited minutes, Extra: Video on demand, 10 GB" in quote
    assert "Charged now, when you switch it on, then every 30 days." in quote

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/addons/{bundle.pk}/configure/",
            {"idempotency_key": form_key(form), "expected_price": posted, **picked},
            **HTMX,
        )

    assert response.status_code == 200
    assert shown == Decimal(posted) == Decimal("23.00")
    assert charged("stacy") == shown
    # and her card says what she pays now, on the dashboard and the offers page
    for page in ("/", "/offers/"):
        assert amount(card(client.get(page).text, bundle).split("addon-price")[1]) == shown


def test_the_gift_charges_the_price_on_its_form(login, offers, django_capture_on_commit_callbacks):
    client = login("stacy")
    gift = offers["Gift 1GB"]

    form = client.get(f"/addons/{gift.pk}/configure/", **HTMX).text
    shown, posted = form_shows(form)
    assert "Charged now, when you send it." in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/addons/{gift.pk}/configure/",
            {"idempotency_key": form_key(form), "expected_price": posted, "friend_msisdn": TOM},
            **HTMX,
        )

    assert response.status_code == 200
    assert shown == Decimal(posted) == Decimal("3.00")
    assert charged("stacy") == shown


def test_the_travel_line_charges_the_price_on_its_form_when_the_code_confirms_it(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    travel = offers["Travel Line 30 days"]

    form = client.get(f"/addons/{travel.pk}/configure/", **HTMX).text
    shown, posted = form_shows(form)
    assert "Charged when you confirm with the code we send you by SMS." in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/addons/{travel.pk}/configure/",
            {"idempotency_key": form_key(form), "expected_price": posted, "iccid": VALID},
            **HTMX,
        )
    assert "We sent a 6-digit code by SMS" in response.text
    assert charged("stacy") == 0  # not before the code
    order = Order.objects.get()
    code = re.match(r"(\d{6}) ", Notification.objects.get(medium="sms").body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/orders/{order.pk}/confirm/", {"code": code}, **HTMX)

    assert shown == Decimal(posted) == Decimal("5.00")
    assert charged("stacy") == shown


def test_a_postponed_start_says_it_is_charged_today_and_is(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    monthly = offers["Monthly Bundle"]
    starts = timezone.localtime() + dt.timedelta(days=2)
    later = {"starts_at": starts.strftime("%Y-%m-%dT%H:%M")}

    form = client.get(f"/addons/{monthly.pk}/configure/", **HTMX).text
    assert "Charged now, when you switch it on, even if you pick a later start" in form
    quote = client.get(f"/addons/{monthly.pk}/quote/", later, **HTMX).text
    shown, posted = form_shows(quote)
    assert "Charged today, when you switch it on; it starts on " in quote
    assert starts.strftime("%-d %b, %H:%M") in quote
    assert "and renews every 30 days from then." in quote
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/addons/{monthly.pk}/configure/",
            {"idempotency_key": form_key(form), "expected_price": posted, **later},
            **HTMX,
        )

    assert ProductInstance.objects.get(offer=monthly).status == "scheduled"
    assert shown == Decimal(posted) == Decimal("9.99")
    assert charged("stacy") == shown
    # the scheduled card says it was charged already
    assert "€9.99 charged on" in response.text
    assert "when you scheduled it." in response.text


def test_a_tap_at_a_price_no_longer_shown_is_refused_and_nothing_is_bought(login, offers):
    client = login("stacy")
    promo = offers["Summer Data 20GB"]
    _, key, _ = switch_shows(client.get("/offers/").text, promo)

    response = client.post(
        f"/addons/{promo.pk}/on/", {"idempotency_key": key, "expected_price": "8.00"}, **HTMX
    )

    assert response.status_code == 409
    assert (
        "The price is now €9.00, not the €8.00 you were shown, so nothing was charged. "
        "Tap again to switch it on at this price." in words(response.text)
    )
    assert nothing_bought()
    # the card she now sees carries the price of now
    assert switch_shows(response.text, promo)[0] == Decimal("9.00")
    assert 'name="expected_price" value="9.00"' in response.text


def test_a_form_at_a_price_no_longer_shown_is_refused_and_shows_the_price_of_now(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    bundle = offers["My Fixed Price Bundle"]
    form = client.get(f"/addons/{bundle.pk}/configure/", **HTMX).text
    picked = {"data": "20gb", "voice": "unlimited", "extra": "music"}

    # she picks, and taps before the quote of her choices came back: the form posts €15
    response = client.post(
        f"/addons/{bundle.pk}/configure/",
        {"idempotency_key": form_key(form), "expected_price": "15.00", **picked},
        **HTMX,
    )

    assert response.status_code == 409
    assert "The price is now €23.00, not the €15.00 you were shown" in response.text
    assert nothing_bought()
    assert form_shows(response.text) == (Decimal("23.00"), "23.00")
    assert re.search(r'value="20gb"[^>]*checked', response.text)  # her choices are kept

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/{bundle.pk}/configure/",
            {"idempotency_key": form_key(response.text), "expected_price": "23.00", **picked},
            **HTMX,
        )
    assert charged("stacy") == Decimal("23.00")


def test_without_javascript_the_form_is_a_page_that_shows_the_price_of_the_choices(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    bundle = offers["My Fixed Price Bundle"]
    detail = client.get(f"/offers/{bundle.pk}/").text
    assert f'href="/addons/{bundle.pk}/configure/"' in detail

    page = client.get(f"/addons/{bundle.pk}/configure/")
    assert "<html" in page.text
    assert f'method="post"\n            action="/addons/{bundle.pk}/configure/"' in page.text
    assert 'name="csrfmiddlewaretoken"' in page.text
    picked = {"data": "20gb", "voice": "unlimited", "extra": "music", "page": "1"}
    key = form_key(page.text)

    # "See the price" (shown only without JavaScript): the price of her choices, nothing bought
    seen = client.post(
        f"/addons/{bundle.pk}/configure/", {"idempotency_key": key, **picked, "quote": "1"}
    )
    assert seen.status_code == 200
    assert "<html" in seen.text
    assert form_shows(seen.text) == (Decimal("23.00"), "23.00")
    assert nothing_bought()

    # "Switch on" from the page as first shown (€15) is refused, on a page, with the price now
    stale = client.post(
        f"/addons/{bundle.pk}/configure/",
        {"idempotency_key": key, "expected_price": "15.00", **picked},
    )
    assert stale.status_code == 409
    assert "<html" in stale.text
    assert "The price is now €23.00, not the €15.00 you were shown" in stale.text
    assert nothing_bought()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"/addons/{bundle.pk}/configure/",
            {"idempotency_key": key, "expected_price": "23.00", **picked},
        )
    assert done.status_code == 302
    assert done["Location"] == f"/offers/{bundle.pk}/#addon-{bundle.pk}"
    assert charged("stacy") == Decimal("23.00")


def test_after_a_change_of_options_her_card_shows_what_she_pays_now(
    login, offers, django_capture_on_commit_callbacks
):
    client = login("stacy")
    bundle = offers["My Fixed Price Bundle"]
    small = {"data": "5gb", "voice": "300", "extra": "music"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/{bundle.pk}/configure/",
            {"idempotency_key": "tap-0000001", "expected_price": "15.00", **small},
            **HTMX,
        )
    instance = ProductInstance.objects.get(offer=bundle)
    url = f"/addons/owned/{instance.pk}/change/"
    bigger = {"idempotency_key": "chg-0000001", "data": "20gb", "voice": "300", "extra": "music"}
    preview = client.post(url, bigger, **HTMX).text
    assert "New price €20.00 every 30 days (was €15.00)." in preview
    due = re.search(r'name="expected_due_now" value="([^"]+)"', preview).group(1)

    client.post(url, {**bigger, "expected_due_now": due, "confirm": "1"}, **HTMX)

    assert charged("stacy") == Decimal("15.00") + Decimal(due)
    dashboard = client.get("/").text
    assert amount(card(dashboard, bundle).split("addon-price")[1]) == Decimal("20.00")
