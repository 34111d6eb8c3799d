import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils.translation import trans_real


@pytest.fixture(scope="session", autouse=True)
def _translations_compiled():
    """The .mo files are made from the .po files (`make messages`), never committed: a test
    run straight from pytest compiles them if they are missing or older, and forgets any
    catalogue already read without them."""
    for locale_path in settings.LOCALE_PATHS:
        for po in locale_path.glob("*/LC_MESSAGES/django.po"):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                call_command("compilemessages", locale=[po.parent.parent.name], verbosity=0)
                trans_real._translations = {}
                trans_real._default = None
