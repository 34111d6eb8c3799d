import pytest

from catalog.models import Offer
from orders.demo import DEMO_PASSWORD, demo_data_load


@pytest.fixture
def demo(db):
    demo_data_load()


@pytest.fixture
def offers(demo):
    return {offer.name: offer for offer in Offer.objects.all()}


@pytest.fixture
def login(client, demo):
    def _login(username):
        response = client.post(
            "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, response.text
        return client

    return _login
