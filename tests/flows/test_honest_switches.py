"""A switch tells the truth about its add-on: a suspended one is not drawn as an active one, and
only a failure is written in red (informational notes are not)."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from orders.models import ProductInstance
from tests.flows.test_portal_journeys import status_of, switch_html
from tests.orders.helpers import tap

pytestmark = pytest.mark.django_db


def switch_button(html):
    return re.search(r'<button[^>]*role="switch"[^>]*>', html, flags=re.S).group(0)


def note_of(html):
    return re.search(r'<p class="(addon-note[^"]*)">\s*(.*?)\s*</p>', html, flags=re.S).groups()


@pytest.fixture
def stacy_data(login, offers, django_capture_on_commit_callbacks):
    client = login("stacy")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/addons/{offers['Data 15GB'].pk}/on/", tap(offers["Data 15GB"], "tap-0000001")
        )
    return client, ProductInstance.objects.get()


def test_a_suspended_add_on_is_drawn_paused_with_its_reason_as_a_note(stacy_data, offers):
    client, instance = stacy_data
    # Given it was suspended (its switch is what is tested here, not how it got there).
    ProductInstance.objects.filter(pk=instance.pk).update(
        status=ProductInstance.Status.SUSPENDED,
        status_reason="Suspended by you",
        suspended_at=timezone.now(),
    )

    html = switch_html(client.get("/"), offers["Data 15GB"])

    button = switch_button(html)
    assert 'class="switch switch-paused"' in button
    assert status_of(html) == "Suspended"
    assert 'state-suspended"' in html
    assert note_of(html) == ("addon-note", "Suspended by you")


def test_an_active_add_on_is_drawn_on_and_not_paused(stacy_data, offers):
    client, _ = stacy_data

    html = switch_html(client.get("/"), offers["Data 15GB"])

    button = switch_button(html)
    assert 'class="switch"' in button
    assert 'aria-checked="true"' in button
    assert status_of(html) == "Active"


def test_only_a_failure_is_a_red_note(
    login, offers, settings, celery_runs_retries, django_capture_on_commit_callbacks
):
    settings.NETWORK_SIMULATED_FAILURE_RATE = 1.0
    settings.ACTIVATION_MAX_RETRIES = 1
    client = login("stacy")
    games = offers["Games Club"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/addons/{games.pk}/on/", tap(games, "tap-0000001"))

    html = switch_html(client.get(f"/addons/{games.pk}/?was=pending_active"), games)

    assert note_of(html) == (
        "addon-note addon-note-bad",
        "The network did not confirm the activation in time.",
    )
    assert "switch-paused" not in switch_button(html)


def test_the_style_sheet_never_draws_a_paused_switch_green_nor_a_note_red():
    css = (Path(django_settings.BASE_DIR) / "static/css/portal.css").read_text()
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules = {
        selector.strip(): body
        for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", css)
        if "color" in body or "background" in body
    }
    assert "var(--ok)" not in rules[".switch.switch-paused .switch-track"]
    assert "var(--off)" in rules[".switch.switch-paused .switch-track"]
    assert "var(--muted)" in rules[".addon-note, .addon-error"]
    assert "var(--bad)" in rules[".addon-error, .addon-note-bad"]
