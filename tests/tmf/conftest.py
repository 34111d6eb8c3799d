import pytest

from tests.api.helpers import system_token


@pytest.fixture
def catalog_reader(client):
    """A partner system's token with catalog:read."""
    return {
        "Authorization": f"Bearer {system_token(client, name='partner', scopes=['catalog:read'])}"
    }
