import pytest

from tests.api.helpers import system_token
from tests.factories import UserFactory


@pytest.fixture
def catalog_reader(client):
    """A partner system's token with catalog:read."""
    return {
        "Authorization": f"Bearer {system_token(client, name='partner', scopes=['catalog:read'])}"
    }


@pytest.fixture
def agent(db):
    """A call-centre agent, Alex Agent."""
    return UserFactory(
        username="alex", first_name="Alex", last_name="Agent", groups=["Call-centre agents"]
    )
