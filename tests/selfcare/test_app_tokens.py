"""Account → Apps and access: the apps she let use her account (OAuth2 authorization code grants),
what each may do, since when, last used and until when; "Revoke" ends its access and refresh
tokens at once, for her only."""

import datetime as dt
import re
import threading
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.db import connection, transaction
from oauth2_provider.models import AccessToken, Grant, RefreshToken, get_application_model

from selfcare.selectors_apps import app_grant_list_for_user
from selfcare.services.app_access import app_access_revoke
from tests.api.test_clients import pkce_pair
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CALLBACK = "https://app.example/callback"
MORNING = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


def make_app(name: str):
    Application = get_application_model()
    return Application.objects.create(
        name=name,
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=CALLBACK,
        skip_authorization=True,
    )


def sign_in_app(client, user, app, scope="customer catalog:read") -> dict:
    """What her app gets by the authorization code flow with PKCE, as a real app does."""
    verifier, challenge = pkce_pair()
    client.force_login(user)
    redirect = client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": CALLBACK,
            "scope": scope,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    code = parse_qs(urlparse(redirect["Location"]).query)["code"][0]
    answer = client.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": app.client_id,
            "code_verifier": verifier,
        },
    )
    assert answer.status_code == 200, answer.content
    return answer.json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def cards(page: str) -> list[str]:
    return re.findall(r'<h2 id="app-\d+-name">\s*(.*?)\s*</h2>', page, flags=re.S)


def test_the_page_lists_her_apps_with_what_each_may_do_and_when(client, customer, line):
    banking, travel = make_app("Banking app"), make_app("Travel app")
    with time_machine.travel(MORNING, tick=False):
        sign_in_app(client, customer.user, travel, scope="catalog:read")
    with time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False):
        sign_in_app(client, customer.user, banking)

    with time_machine.travel(MORNING + dt.timedelta(hours=2), tick=False):
        page = client.get("/account/apps/").content.decode()

    assert cards(page) == ["Banking app", "Travel app"]
    banking_card = page[page.index("Banking app") : page.index("Travel app")]
    assert "Act for you: see and change your cart" in banking_card
    assert "See the offers on sale" in banking_card
    assert 'datetime="2026-12-04T10:00:00+00:00"' in banking_card  # granted and last used
    # A refresh token that never expires: access until she revokes it.
    assert "You revoke it (the app renews its access by itself)" in banking_card
    travel_card = page[page.index("Travel app") :]
    assert "Act for you" not in travel_card
    assert f'action="/account/apps/{banking.pk}/revoke/"' in banking_card
    assert f'action="/account/apps/{travel.pk}/revoke/"' in travel_card


def test_the_account_page_leads_to_it(customer_client, line):
    page = customer_client.get("/account/").content.decode()

    assert 'href="/account/apps/"' in page


def test_an_app_she_never_authorised_or_another_customers_is_not_listed(client, customer, line):
    other = CustomerFactory()
    sign_in_app(client, other.user, make_app("Their app"))

    client.force_login(customer.user)
    page = client.get("/account/apps/").content.decode()

    assert cards(page) == []
    assert "No app can use your account." in page


def test_last_used_is_when_the_app_last_called(client, customer, line):
    app = make_app("Banking app")
    with time_machine.travel(MORNING, tick=False):
        token = sign_in_app(client, customer.user, app)["access_token"]
    client.logout()
    with time_machine.travel(MORNING + dt.timedelta(minutes=30), tick=False):
        assert client.get("/api/cart/", headers=bearer(token)).status_code == 200

    (grant,) = app_grant_list_for_user(user=customer.user, at=MORNING + dt.timedelta(minutes=31))

    assert grant.granted_at == MORNING
    assert grant.last_used_at == MORNING + dt.timedelta(minutes=30)
    assert grant.scopes == ("catalog:read", "customer")


def test_last_used_is_written_at_most_once_a_minute(client, customer, line):
    app = make_app("Banking app")
    with time_machine.travel(MORNING, tick=False):
        token = sign_in_app(client, customer.user, app)["access_token"]
    client.logout()

    def call_at(minutes: float) -> dt.datetime:
        with time_machine.travel(MORNING + dt.timedelta(minutes=minutes), tick=False):
            assert client.get("/api/cart/", headers=bearer(token)).status_code == 200
        return AccessToken.objects.get(application=app).updated

    assert call_at(10) == MORNING + dt.timedelta(minutes=10)
    # Calls within the minute write nothing...
    assert call_at(10.5) == MORNING + dt.timedelta(minutes=10)
    assert call_at(11) == MORNING + dt.timedelta(minutes=10)
    # ...the first one after it does.
    assert call_at(11.25) == MORNING + dt.timedelta(minutes=11.25)


def test_revoke_ends_its_tokens_at_once_and_says_so(client, customer, line):
    app, other_app = make_app("Banking app"), make_app("Travel app")
    answer = sign_in_app(client, customer.user, app)
    kept = sign_in_app(client, customer.user, other_app)
    assert client.get("/api/cart/", headers=bearer(answer["access_token"])).status_code == 200

    response = client.post(f"/account/apps/{app.pk}/revoke/", follow=True)

    assert response.redirect_chain == [("/account/apps/", 302)]
    page = response.content.decode()
    assert "Banking app can no longer use your account." in page
    assert cards(page) == ["Travel app"]
    client.logout()
    assert client.get("/api/cart/", headers=bearer(answer["access_token"])).status_code == 401
    refreshed = client.post(
        "/o/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": answer["refresh_token"],
            "client_id": app.client_id,
        },
    )
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.filter(application=app).exists()
    assert not RefreshToken.objects.filter(application=app, revoked__isnull=True).exists()
    # Her other app still works.
    assert client.get("/api/cart/", headers=bearer(kept["access_token"])).status_code == 200


def test_revoking_an_app_works_after_it_renewed_its_token(client, customer, line):
    app = make_app("Banking app")
    first = sign_in_app(client, customer.user, app)
    renewed = client.post(
        "/o/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": app.client_id,
        },
    ).json()

    client.post(f"/account/apps/{app.pk}/revoke/")

    client.logout()
    assert client.get("/api/cart/", headers=bearer(renewed["access_token"])).status_code == 401
    assert app_grant_list_for_user(user=customer.user, at=dt.datetime.now(dt.UTC)) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_renewal_in_flight_when_she_revokes_keeps_nothing(client, customer, line):
    # Given the app renewing its token: the renewal holds its refresh token's lock, as
    # django-oauth-toolkit's rotation does, while she revokes the app.
    app = make_app("Banking app")
    first = sign_in_app(client, customer.user, app)
    client.logout()
    done = {}

    def revoke():
        try:
            done["name"] = app_access_revoke(user=customer.user, application_id=app.pk)
        finally:
            connection.close()

    with transaction.atomic():
        list(RefreshToken.objects.select_for_update().filter(application=app))
        revoking = threading.Thread(target=revoke)
        revoking.start()
        _wait_until_a_query_waits_for_a_lock()
        # When the renewal completes (a new access and refresh token) and commits...
        renewed = client.post(
            "/o/token/",
            {
                "grant_type": "refresh_token",
                "refresh_token": first["refresh_token"],
                "client_id": app.client_id,
            },
        ).json()
    revoking.join()

    # ...then the revoke, which waited for it, ended what it made too.
    assert done["name"] == "Banking app"
    assert not AccessToken.objects.filter(application=app).exists()
    assert not RefreshToken.objects.filter(application=app, revoked__isnull=True).exists()
    assert client.get("/api/cart/", headers=bearer(renewed["access_token"])).status_code == 401
    again = client.post(
        "/o/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": renewed["refresh_token"],
            "client_id": app.client_id,
        },
    )
    assert again.status_code == 400


def _wait_until_a_query_waits_for_a_lock() -> None:
    with connection.cursor() as cursor:
        for _ in range(10_000):
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else read once per transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
    raise AssertionError("The revoke never waited for the renewal's lock.")


def test_revoking_another_customers_app_changes_nothing(client, customer, line):
    other = CustomerFactory()
    app = make_app("Their app")
    theirs = sign_in_app(client, other.user, app)
    client.force_login(customer.user)

    response = client.post(f"/account/apps/{app.pk}/revoke/")
    unknown = client.post("/account/apps/999999/revoke/")

    assert response.status_code == 404
    assert unknown.status_code == 404
    assert AccessToken.objects.filter(user=other.user, application=app).count() == 1
    assert RefreshToken.objects.filter(user=other.user, revoked__isnull=True).count() == 1
    client.logout()
    assert client.get("/api/cart/", headers=bearer(theirs["access_token"])).status_code == 200


def test_revoke_is_a_post_with_csrf(customer, line):
    from django.test import Client

    app = make_app("Banking app")
    strict = Client(enforce_csrf_checks=True)
    sign_in_app(strict, customer.user, app)

    assert strict.get(f"/account/apps/{app.pk}/revoke/").status_code == 405
    assert strict.post(f"/account/apps/{app.pk}/revoke/").status_code == 403
    assert AccessToken.objects.filter(application=app).count() == 1


def test_a_pending_authorization_code_is_revoked_too(client, customer, line):
    app = make_app("Banking app")
    sign_in_app(client, customer.user, app)
    _, challenge = pkce_pair()
    client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": CALLBACK,
            "scope": "customer",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert Grant.objects.filter(user=customer.user, application=app).count() == 1

    client.post(f"/account/apps/{app.pk}/revoke/")

    assert not Grant.objects.filter(user=customer.user, application=app).exists()


def test_staff_and_strangers_do_not_get_the_page(client, db):
    response = client.get("/account/apps/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
