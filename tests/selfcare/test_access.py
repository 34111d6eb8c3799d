"""Who may reach each route of the portal. The test walks every route in the portal's URLconf
and fails for a route with no expectation here, so a new route cannot skip the question.

A customer reaching for another customer's product, order, gift, cart item or message gets a 404
(the same answer as an id that does not exist: nothing tells her it is someone else's) and
changes nothing; staff who are not customers are sent to their own tools (403); anonymous
visitors are sent to log in.
"""

import datetime as dt

import pytest
from django.urls import reverse

from orders.models import Cart, CartItem, Order, ProductInstance
from orders.services import cart_item_add, product_instance_purchase
from selfcare.models import Interaction, LedgerEntry, Notification, TopUp
from selfcare.portal import urls as portal_urls
from selfcare.services import notification_send
from tests.factories import CustomerFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

GET, POST = "get", "post"

# name: (method, the kind of id in the URL, or None)
ROUTES = {
    "dashboard": (GET, None),
    "offers": (GET, None),
    "offer_detail": (GET, "offer"),
    "cart": (GET, None),
    "cart_add": (POST, "offer"),
    "cart_remove": (POST, "item"),
    "cart_checkout": (POST, None),
    "activity": (GET, None),
    "inbox": (GET, None),
    "inbox_read": (POST, "notification"),
    "inbox_read_all": (POST, None),
    "link_open": (GET, "token"),
    "orders": (GET, None),
    "allowances": (GET, None),
    "addon_switch": (GET, "offer"),
    "addon_on": (POST, "offer"),
    "addon_off": (GET, "instance"),
    "addon_configure": (GET, "offer"),
    "addon_quote": (GET, "offer"),
    "addon_manage": (GET, "instance"),
    "addon_change": (GET, "instance"),
    "addon_control": (POST, "instance"),
    "order_code": (GET, "order"),
    "order_confirm": (POST, "order"),
    "order_resend_code": (POST, "order"),
    "account": (GET, None),
    "alerts": (GET, None),
    "apps": (GET, None),
    "app_revoke": (POST, "app"),
    "location_consent": (POST, None),
    "language": (POST, None),
    "limits": (POST, None),
    "gifts": (GET, None),
    "gift_accept": (POST, "gift"),
    "topup": (GET, None),
    "topup_card": (POST, None),
    "topup_voucher": (POST, None),
    "topup_auto": (POST, None),
    "topup_receipt": (GET, "topup"),
}
PUBLIC = {"link_open"}
OWNED = {"item", "notification", "instance", "order", "gift", "topup", "app"}


@pytest.fixture
def others(db):
    """Everything another customer owns that has an id in a URL."""
    from oauth2_provider.models import AccessToken, get_application_model

    from campaigns.models import Gift

    Application = get_application_model()

    other = CustomerFactory()
    offer = OfferFactory()
    coded = OfferFactory(requires_confirmation=True)
    line = other.lines.get()
    order = product_instance_purchase(
        customer=other, line_id=line.pk, offer_id=coded.pk, channel="portal", idempotency_key="k1"
    )
    instance = ProductInstance.objects.get(customer=other)
    cart = cart_item_add(customer=other, offer_id=offer.pk, channel="portal")
    message = notification_send(customer=other, template="promotion", context={"message": "Hi"})
    gift = Gift.objects.create(
        giver=CustomerFactory(),
        giver_product=instance,
        recipient_line=line,
        expires_at=order.created_at,
    )
    topup = TopUp.objects.create(
        customer=other, amount=5, method="card", idempotency_key="other-1", channel="portal"
    )
    # An app she never authorised: the other customer's.
    app = Application.objects.create(
        name="Their app",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example/callback",
    )
    AccessToken.objects.create(
        user=other.user,
        application=app,
        token="their-app-token",
        scope="customer",
        expires=order.created_at + dt.timedelta(hours=1),
    )
    return {
        "app": app.pk,
        "topup": topup.pk,
        "offer": offer.pk,
        "item": cart.items.get().pk,
        "notification": message.pk,
        "instance": instance.pk,
        "order": order.pk,
        "gift": gift.pk,
        "token": "unknown-token",
    }


def _url(name: str, kind: str | None, ids: dict) -> str:
    pattern = next(p for p in portal_urls.urlpatterns if p.name == name)
    kwargs = {}
    for key in pattern.pattern.converters:
        if key == "action":
            continue
        kwargs[key] = ids[kind]
    if name == "addon_control":
        kwargs["action"] = "suspend"
    return reverse(f"selfcare:{name}", kwargs=kwargs)


def _state():
    return (
        Order.objects.count(),
        ProductInstance.objects.filter(status="pending_active").count(),
        LedgerEntry.objects.count(),
        CartItem.objects.count(),
        Cart.objects.filter(status="open").count(),
        Notification.objects.filter(read_at__isnull=False).count(),
        Interaction.objects.exclude(kind__in=["offer_viewed", "link_clicked"]).count(),
    )


def test_every_portal_route_has_an_expectation():
    names = {p.name for p in portal_urls.urlpatterns}
    assert names == set(ROUTES), f"missing: {names - set(ROUTES)}; stale: {set(ROUTES) - names}"


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_anonymous_visitors_are_sent_to_log_in(client, others, name):
    method, kind = ROUTES[name]
    url = _url(name, kind, others)

    response = getattr(client, method)(url)

    assert response.status_code == 302
    if name in PUBLIC:
        assert response["Location"] == "/"
    else:
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("group", ["Call-centre agents", "Product managers"])
@pytest.mark.parametrize("name", sorted(set(ROUTES) - PUBLIC))
def test_staff_who_are_not_customers_are_turned_away(client, others, group, name):
    client.force_login(UserFactory(groups=[group], is_staff=group == "Product managers"))
    method, kind = ROUTES[name]
    before = _state()

    response = getattr(client, method)(_url(name, kind, others))

    assert response.status_code == 403
    assert _state() == before


@pytest.mark.parametrize("name", sorted(set(ROUTES) - PUBLIC))
def test_a_customer_never_reaches_another_customers_things(customer_client, others, name):
    method, kind = ROUTES[name]
    before = _state()

    # A well-formed request, so that what answers is the ownership check, not the form's.
    data = (
        {"version": 1, "idempotency_key": "access-key-1", "code": "123456"}
        if method == POST
        else {}
    )
    response = getattr(customer_client, method)(_url(name, kind, others), data)

    if kind in OWNED:
        assert response.status_code == 404, response.content[:300]
        assert _state() == before
    else:
        assert response.status_code < 500
        assert response.status_code != 403
        assert not response.get("Location", "").startswith("/accounts/login/")
