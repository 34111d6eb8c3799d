"""A product manager launches an offer in about a minute: a template, ten fields at most, data in
GB, a price per channel, a bundle's choices as rows, the card customers will see, and "Save and
publish" beside "Save" at the top. Through the admin's real pages (the test client)."""

import html
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from catalog.forms import option_rows
from catalog.forms_preview import OfferCardPreview
from catalog.models import Offer, OfferTemplate
from catalog.selectors import catalog_version
from catalog.services import offer_template_load_pack
from tests.factories import CustomerFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD = "admin:catalog_offer_add"


@pytest.fixture
def pm_client(client):
    client.force_login(UserFactory(is_staff=True, groups=["Product managers"]))
    return client


@pytest.fixture
def shopper():
    """A customer in the portal, in a browser of her own."""
    client = Client()
    client.force_login(CustomerFactory().user)
    return client


@pytest.fixture
def templates():
    offer_template_load_pack()
    return {t.code: t for t in OfferTemplate.objects.all()}


class _Fields(HTMLParser):
    """The names of the form's fields a person sees, inside and outside "Advanced"."""

    def __init__(self):
        super().__init__()
        self.in_form = self.details_depth = 0
        self.visible: list[str] = []
        self.advanced: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "offer_form":
            self.in_form = 1
        if not self.in_form:
            return
        if tag == "details":
            self.details_depth += 1
        if tag in ("input", "select", "textarea") and attrs.get("name"):
            if attrs.get("type") in ("hidden", "submit"):
                return
            names = self.advanced if self.details_depth else self.visible
            if attrs["name"] not in names:
                names.append(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "details" and self.in_form:
            self.details_depth -= 1
        if tag == "form":
            self.in_form = 0


def _fields(page: str) -> _Fields:
    parser = _Fields()
    parser.feed(page)
    return parser


def _add_url(template) -> str:
    return reverse(ADD) + f"?template={template.pk}"


def _post(template, **overrides) -> dict:
    """What the add page posts for a data add-on made from `template`, as a browser sends it:
    the essentials, the Advanced fields with the template's values, the options' empty rows."""
    data = {
        "template": template.pk,
        "name": "Weekend Data",
        "summary": "",
        "price": "3.00",
        "data": "5",
        "voice_minutes": "0",
        "duration_days": "3",
        "eligible_statuses": ["active"],
        "min_tenure_days": "0",
        "channels": ["portal", "agent", "api"],
        "currency": "EUR",
        "billing": "one_off",
        "price_portal": "",
        "price_agent": "",
        "price_api": "",
        "sms": "0",
        "service_data": "",
        "service_scope": "",
        "data_per_contract_year": "",
        "rollover_scope": "",
        "duration_kind": "days",
        "duration_until": "",
        "refund_policy": "pro_rata_data",
        "refund_grace_minutes": "",
        "eligible_plans": "",
        "eligible_segments": "",
        "purchase_limit": "",
        "purchase_limit_window": "",
        "code": "",
        "provider": "",
        "display_order": "100",
        "options-TOTAL_FORMS": "3",
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "40",
    }
    return data | overrides


def _preview(page: str) -> str:
    """The preview frame's page, as the browser draws it."""
    frame = re.search(r'<iframe id="offer-preview-frame"[^>]*srcdoc="([^"]*)"', page, re.S)
    return html.unescape(frame.group(1))


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.mark.parametrize(
    "code",
    [
        "data-addon",
        "night-pass",
        "recurring-bundle",
        "third-party-service",
        "configurable-bundle",
        "gift",
        "temporary-line",
        "loyalty",
        "rollover",
    ],
)
def test_the_add_page_shows_ten_fields_at_most_and_folds_the_rest(pm_client, templates, code):
    page = pm_client.get(_add_url(templates[code])).text

    fields = _fields(page)
    assert len(fields.visible) <= 10, fields.visible
    assert {"name", "price", "data", "voice_minutes", "eligible_statuses", "channels"} <= set(
        fields.visible
    )
    # Everything else is there, under "Advanced", folded unless something in it needs fixing.
    assert {"code", "refund_policy", "price_portal", "price_agent", "price_api"} <= set(
        fields.advanced
    )
    assert re.search(r'<details class="offer-advanced"\s*>', page)
    # No JSON to type: channel prices and options are fields of their own.
    assert 'name="channel_prices"' not in page
    assert 'name="option_groups"' not in page
    assert "<textarea" not in page.split('id="offer_form"')[1].split("</form>")[0]


def test_the_duration_shown_is_the_one_the_template_runs_by(pm_client, templates):
    night = _fields(pm_client.get(_add_url(templates["night-pass"])).text)
    data = _fields(pm_client.get(_add_url(templates["data-addon"])).text)

    assert "duration_until" in night.visible
    assert "duration_days" in night.advanced
    assert "duration_days" in data.visible
    assert "duration_until" in data.advanced
    # The night pass's allowance is its TV data, shown in GB.
    assert "service_data" in night.visible


def test_save_and_publish_is_beside_save_at_the_top(pm_client, templates):
    page = pm_client.get(_add_url(templates["data-addon"])).text

    form = page.split('id="offer_form"')[1]
    first_row = form.split('<div class="submit-row">')[1].split("</div>")[0]
    # The first row comes before any field; Save first, so Enter in a field never publishes.
    assert form.index('<div class="submit-row">') < form.index('name="name"')
    assert re.findall(r'name="(_save|_publish)"', first_row) == ["_save", "_publish"]


@pytest.mark.parametrize(
    ("typed", "stored_mb"),
    [("15", 15360), ("1.5", 1536), ("0,25 GB", 256), ("15 GB", 15360), ("500 MB", 500)],
)
def test_data_typed_in_gb_is_kept_as_exactly_that_many_mb(pm_client, templates, typed, stored_mb):
    template = templates["data-addon"]

    response = pm_client.post(_add_url(template), _post(template, data=typed))

    assert response.status_code == 302
    offer = Offer.objects.get()
    assert offer.data_mb == stored_mb
    assert offer.status == Offer.Status.DRAFT
    # and it reads back as typed
    page = pm_client.get(reverse("admin:catalog_offer_change", args=[offer.pk])).text
    value = re.search(r'name="data" value="([^"]*)"', page).group(1)
    assert value == {"15": "15 GB", "1.5": "1.5 GB", "0,25 GB": "0.25 GB"}.get(typed, typed)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0.1", "0.1 is not a whole number of MB (1 GB = 1024 MB): write it in MB."),
        ("-1", "Write an amount of data like 15 GB or 500 MB."),
        ("lots", "Write an amount of data like 15 GB or 500 MB."),
    ],
)
def test_data_that_is_not_whole_mb_is_refused_and_nothing_is_written(
    pm_client, templates, typed, message
):
    template = templates["data-addon"]
    version = catalog_version()

    response = pm_client.post(_add_url(template), _post(template, data=typed))

    assert response.status_code == 200
    assert message in html.unescape(response.text)
    assert not Offer.objects.exists()
    assert catalog_version() == version


def test_channel_prices_typed_as_fields_are_kept_and_charged_there(pm_client, templates, shopper):
    template = templates["data-addon"]

    response = pm_client.post(
        _add_url(template),
        _post(template, price="10.00", price_portal="8.00", _publish="Save and publish"),
    )

    assert response.status_code == 302
    offer = Offer.objects.get()
    assert offer.channel_prices == {"portal": "8.00"}
    assert offer.status == Offer.Status.PUBLISHED
    # the portal shows her the portal's price, the list price struck through
    card = shopper.get(reverse("selfcare:offers")).text
    assert "€8.00" in card
    assert '<s aria-label="was €10.00">€10.00</s>' in card


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"price": "-1.00"}, "price", "The price cannot be negative (0 makes it free)."),
        (
            {"channels": ["portal"], "price_agent": "2.00"},
            "price_agent",
            "It has a Call centre price but is not sold there: add the channel.",
        ),
        (
            {"price_portal": "4.00"},
            "price_portal",
            "The Self-care portal price is above the offer's price: a channel price is a discount.",
        ),
        (
            {"price_api": "-2"},
            "price_api",
            "The API / app price cannot be negative.",
        ),
        ({"channels": []}, "channels", "Pick at least one channel the offer is sold on."),
    ],
)
def test_bad_input_says_what_to_fix_and_writes_nothing(
    pm_client, templates, overrides, field, message
):
    template = templates["data-addon"]
    version = catalog_version()

    response = pm_client.post(
        _add_url(template), _post(template, _publish="Save and publish", **overrides)
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors[field] == [message]
    assert message in html.unescape(response.text)
    assert not Offer.objects.exists()
    assert catalog_version() == version


def test_a_problem_under_advanced_opens_it(pm_client, templates):
    template = templates["data-addon"]

    response = pm_client.post(
        _add_url(template), _post(template, channels=["portal"], price_agent="2.00")
    )

    assert re.search(r'<details class="offer-advanced"\s*open>', response.text)


def test_save_and_publish_launches_it_in_one_step(pm_client, templates, shopper):
    template = templates["data-addon"]
    assert "Weekend Data" not in shopper.get(reverse("selfcare:offers")).text
    version = catalog_version()

    response = pm_client.post(
        _add_url(template), _post(template, _publish="Save and publish"), follow=True
    )

    offer = Offer.objects.get()
    assert offer.status == Offer.Status.PUBLISHED
    assert offer.published_at is not None
    assert offer.code == "weekend-data"  # made from the name
    assert offer.summary == "5 GB for 3 days"  # said from the allowance, as none was typed
    assert catalog_version() > version
    assert "“Weekend Data” is published: customers see it now." in html.unescape(response.text)
    page = shopper.get(reverse("selfcare:offers")).text
    assert "Weekend Data" in page
    assert "5 GB for 3 days" in page
    assert "€3.00" in page


def test_save_alone_keeps_a_draft_customers_do_not_see(pm_client, templates, shopper):
    template = templates["data-addon"]

    pm_client.post(_add_url(template), _post(template, _save="Save"))

    assert Offer.objects.get().status == Offer.Status.DRAFT
    assert "Weekend Data" not in shopper.get(reverse("selfcare:offers")).text


def test_the_preview_shows_the_card_with_the_templates_price_and_allowance(pm_client, templates):
    page = pm_client.get(_add_url(templates["data-addon"])).text

    preview = _preview(page)
    # the portal's own card, with the portal's stylesheet
    assert '<article class="addon state-off"' in preview
    assert "/static/css/portal.css" in preview
    assert "€10.00" in _text(preview)
    assert "Data add-on" in _text(preview)  # the template's name until the offer has one


def test_the_preview_follows_the_form_and_writes_nothing(pm_client, templates):
    template = templates["data-addon"]
    version = catalog_version()

    response = pm_client.post(
        reverse("admin:catalog_offer_preview"),
        _post(template, name="Weekend Data", price="7.50", data="20", price_portal="6.00"),
    )

    assert response.status_code == 200
    card = _text(response.text)
    assert "Weekend Data" in card
    assert "20 GB for 3 days" in card  # the allowance she gets, in her words
    assert "€7.50 €6.00 Self-care portal price" in card  # her price, the list price struck
    assert not Offer.objects.exists()
    assert catalog_version() == version


def test_the_preview_of_bad_input_says_what_to_fix(pm_client, templates):
    template = templates["data-addon"]

    response = pm_client.post(reverse("admin:catalog_offer_preview"), _post(template, price="-3"))

    assert response.status_code == 200
    assert "Price: The price cannot be negative (0 makes it free)." in response.text
    assert "<article" not in response.text
    assert not Offer.objects.exists()


def test_the_preview_of_a_saved_draft_follows_its_form(pm_client, templates):
    offer = OfferFactory(draft=True, template=templates["data-addon"], name="Old name")
    url = reverse("admin:catalog_offer_preview", args=[offer.pk])

    response = pm_client.post(url, _post(templates["data-addon"], name="New name", code=offer.code))

    assert "New name" in response.text
    offer.refresh_from_db()
    assert offer.name == "Old name"


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ({"is_staff": False}, 302),  # to the admin's sign-in
        ({"is_staff": True, "groups": ["Call-centre agents"]}, 403),
    ],
)
def test_only_product_managers_get_a_preview(client, templates, user, status):
    client.force_login(UserFactory(**user))

    response = client.post(reverse("admin:catalog_offer_preview"), _post(templates["data-addon"]))

    assert response.status_code == status


def test_the_preview_only_answers_a_post(pm_client):
    assert pm_client.get(reverse("admin:catalog_offer_preview")).status_code == 405


def test_a_bundles_choices_are_rows_and_kept_as_its_options(pm_client, templates):
    template = templates["configurable-bundle"]
    page = pm_client.get(_add_url(template)).text
    # the template's six choices, as rows with their amounts in GB and minutes
    assert 'name="options-1-data" value="20 GB"' in page
    assert 'name="options-3-voice_minutes" value="100000"' in page
    rows = {
        "options-TOTAL_FORMS": "5",
        "options-0-group": "Data",
        "options-0-label": "10 GB",
        "options-0-data": "10",
        "options-1-group": "Data",
        "options-1-label": "50 GB",
        "options-1-data": "50",
        "options-1-price": "6.00",
        "options-2-group": "Voice",
        "options-2-label": "100 minutes",
        "options-2-voice_minutes": "100",
        "options-3-group": "Voice",
        "options-3-label": "500 minutes",
        "options-3-voice_minutes": "500",
        "options-3-price": "2.50",
    }

    pm_client.post(
        _add_url(template),
        _post(template, name="Build your own", billing="recurring", refund_policy="none", **rows),
    )

    assert Offer.objects.get().option_groups == [
        {
            "key": "data",
            "label": "Data",
            "choices": [
                {"value": "10-gb", "label": "10 GB", "data_mb": 10240},
                {"value": "50-gb", "label": "50 GB", "data_mb": 51200, "price": "6.00"},
            ],
        },
        {
            "key": "voice",
            "label": "Voice",
            "choices": [
                {"value": "100-minutes", "label": "100 minutes", "voice_minutes": 100},
                {
                    "value": "500-minutes",
                    "label": "500 minutes",
                    "voice_minutes": 500,
                    "price": "2.50",
                },
            ],
        },
    ]


def test_a_template_bundles_options_come_back_as_they_were(templates):
    groups = templates["configurable-bundle"].option_groups
    from catalog.forms import option_groups_from_rows

    assert option_groups_from_rows(option_rows(groups)) == groups


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            {"options-0-group": "Data", "options-0-label": "10 GB", "options-0-data": "10"},
            "Option group &#x27;Data&#x27; needs at least two choices.",
        ),
        (
            {"options-0-label": "10 GB", "options-0-data": "10"},
            "Give the choice both a group and a name, or clear the row.",
        ),
        (
            {"options-0-group": "Data", "options-0-label": "x", "options-0-price": "-1"},
            "Ensure this value is greater than or equal to 0.",
        ),
    ],
)
def test_bad_options_say_what_to_fix_and_write_nothing(pm_client, templates, rows, message):
    template = templates["configurable-bundle"]

    response = pm_client.post(_add_url(template), _post(template, **rows))

    assert response.status_code == 200
    assert message in response.text
    assert not Offer.objects.exists()


def test_on_sale_what_customers_buy_is_shown_not_edited(pm_client):
    offer = OfferFactory(promotion=True)

    page = pm_client.get(reverse("admin:catalog_offer_change", args=[offer.pk])).text

    for name in ("data", "price", "price_portal", "price_agent", "price_api"):
        assert f'name="{name}"' not in page
    assert "20 GB" in page
    assert "Self-care portal: 9.00 EUR" in page
    assert 'name="_publish"' not in page  # on sale already


# The preview stands in for the portal's switch, which the catalog may not import; these hold
# it to the real one, so the card a product manager sees is the card customers get.


def _card_text(switch) -> str:
    from django.template.loader import render_to_string

    request = RequestFactory().get("/offers/")
    request.htmx = False
    page = render_to_string(
        "selfcare/addons/switch.html#switch", {"switch": switch}, request=request
    )
    return _text(page.split('<div class="addon-text">')[1].split("</div>")[0])


@pytest.mark.parametrize(
    "traits",
    [
        {"data_offer": True},
        {"promotion": True},
        {"configurable_bundle": True},
        {"price": Decimal("0.00"), "summary": "Free for a week"},
        {"billing": "recurring", "duration_days": 30, "provider": "StreamCo"},
    ],
)
def test_the_preview_card_says_what_the_portals_card_says(traits):
    from orders.selectors.switches import AddonSwitch

    offer = OfferFactory(**traits)

    assert _card_text(OfferCardPreview(offer=offer)) == _card_text(
        AddonSwitch(offer=offer, instance=None)
    )


def test_the_preview_has_everything_the_portals_switch_has():
    from orders.selectors.switches import AddonSwitch

    public = {name for name in dir(AddonSwitch) if not name.startswith("_")}
    public |= set(AddonSwitch.__dataclass_fields__)

    assert public <= set(dir(OfferCardPreview)) | set(OfferCardPreview.__dataclass_fields__)
