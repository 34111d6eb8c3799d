"""The customers `make bench-load` (bench/load.py) simulates, for locust.

Each simulated customer is a different customer of the bench's database (one mobile number each
from BENCH_LOAD_LOGINS). She signs in through the login form, then, a few seconds apart, reads
her dashboard, the offers, her activity and her inbox, and now and then buys the cheapest add-on
on the offers page and switches it off again, the way the portal's htmx does it: the switch's own
form (its idempotency key and the price the card showed), the page's CSRF token, the busy switch
polled every 700 ms until the worker has activated it, then "Switch off?" and its form.

Once every customer has tried to sign in, BENCH_LOAD_SECONDS are measured and the run stops; the
times of each kind of request in that window, and every error of the whole run, are written as
JSON to BENCH_LOAD_RESULTS for bench/load.py to print. Not a Django module: locust runs it in a
process of its own, patched by gevent.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

import gevent
from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

USERS = int(os.environ.get("BENCH_LOAD_USERS", 200))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", 60))
PASSWORD = os.environ.get("BENCH_LOAD_PASSWORD", "")
RESULTS = Path(os.environ.get("BENCH_LOAD_RESULTS", "var/bench/load/results.json"))
LOGINS = [
    line.strip()
    for line in Path(os.environ.get("BENCH_LOAD_LOGINS", "var/bench/load/logins.txt"))
    .read_text()
    .splitlines()
    if line.strip()
]
POLL_S = 0.7  # the busy switch's hx-trigger="every 700ms"
SETTLE_TIMEOUT_S = 30.0

PAGE_READS = "page reads"
PURCHASES = "purchases"
SWITCH_OFFS = "switch-offs"
POLLS = "switch polls"
SIGN_INS = "sign-ins"

_CSRF_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrfmiddlewaretoken" value="([^"]+)"')
_BUY_FORM = re.compile(r'hx-post="/addons/(\d+)/on/"(.*?)</form>', re.DOTALL)
_KEY = re.compile(r'name="idempotency_key" value="([^"]*)"')
_PRICE = re.compile(r'name="expected_price" value="([^"]+)"')
_REFUND = re.compile(r'name="expected_refund" value="([^"]*)"')
_STATE = re.compile(r'class="addon state-([a-z_]+)"')
_OFF_PANEL = re.compile(r'hx-get="(/addons/owned/(\d+)/off/)"')


class Run:
    """What the whole locust process saw: one process, gevent, so no locks are needed."""

    logins = list(LOGINS)
    started = time.monotonic()
    tried_sign_in = 0
    measuring_since: float | None = None
    sign_in_seconds = 0.0
    times: dict[str, list[float]] = defaultdict(list)
    requests = 0
    cycles = 0
    errors = 0
    error_kinds: Counter = Counter()
    environment = None


def _results_write(*, complete: bool) -> None:
    seconds = time.monotonic() - Run.measuring_since if Run.measuring_since else 0.0
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "complete": complete,
                "users": USERS,
                "sign_in_seconds": Run.sign_in_seconds,
                "seconds": seconds,
                "requests": Run.requests,
                "cycles": Run.cycles,
                "times": Run.times,
                "errors": Run.errors,
                "error_kinds": dict(Run.error_kinds),
            }
        )
    )


def _measure_then_stop() -> None:
    gevent.sleep(SECONDS)
    _results_write(complete=True)
    Run.environment.runner.quit()


def _signed_in() -> None:
    """One more customer has tried to sign in; when all have, the measured window opens."""
    Run.tried_sign_in += 1
    if Run.tried_sign_in == USERS:
        Run.measuring_since = time.monotonic()
        Run.sign_in_seconds = Run.measuring_since - Run.started
        gevent.spawn(_measure_then_stop)


@events.init.add_listener
def _on_init(environment, **kwargs) -> None:
    Run.environment = environment


@events.test_start.add_listener
def _on_start(environment, **kwargs) -> None:
    Run.started = time.monotonic()


@events.test_stop.add_listener
def _on_stop(environment, **kwargs) -> None:
    # Stopped before the window closed (the run's time bound, Ctrl-C): what was seen, marked so.
    if not RESULTS.exists():
        _results_write(complete=False)


@events.request.add_listener
def _on_request(request_type, name, response_time, exception, context, **kwargs) -> None:
    if exception is not None:
        Run.errors += 1
        Run.error_kinds[f"{request_type} {name}: {str(exception)[:160]}"] += 1
    group = (context or {}).get("group")
    if group == SIGN_INS:
        Run.times[group].append(response_time)
    elif Run.measuring_since is not None and group:
        Run.times[group].append(response_time)
        Run.requests += 1


def _csrf(body: str) -> str:
    token = _CSRF_TOKEN.search(body)
    if token is None:
        raise ValueError("no CSRF token on the page")
    return token.group(1) or token.group(2)


def _cheapest_buy(body: str) -> tuple[str, str, str] | None:
    """(offer id, key, price) of the cheapest add-on the page offers to buy with one tap."""
    forms = []
    for offer_id, form in _BUY_FORM.findall(body):
        key, price = _KEY.search(form), _PRICE.search(form)
        if key and price and key.group(1):
            forms.append((float(price.group(1)), offer_id, key.group(1), price.group(1)))
    if not forms:
        return None
    _, offer_id, key, price = min(forms)
    return offer_id, key, price


class Failed(Exception):
    """A journey step that did not get the answer the portal gives."""


class Customer(FastHttpUser):
    # She reads a page before the next one: 5 to 15 s, as a person does (1 to 5 s offered the
    # server more than it could make on 2 busy cores: bench/README.md, "Load").
    wait_time = between(5, 15)

    def on_start(self) -> None:
        if not Run.logins:
            raise StopUser()
        self.login = Run.logins.pop()
        self.token = ""
        try:
            self._sign_in()
        finally:
            _signed_in()

    def _sign_in(self) -> None:
        with self.client.get(
            "/accounts/login/", name="/accounts/login/", catch_response=True
        ) as page:
            if page.status_code != 200:
                page.failure(f"answered {page.status_code}")
                raise StopUser()
            token = _csrf(page.text)
        with self.client.post(
            "/accounts/login/",
            data={"username": self.login, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Origin": self.host, "Referer": f"{self.host}/accounts/login/"},
            allow_redirects=False,
            name="/accounts/login/ (sign in)",
            context={"group": SIGN_INS},
            catch_response=True,
        ) as signed_in:
            if signed_in.status_code != 302 or signed_in.headers.get("Location") != "/":
                signed_in.failure(f"{self.login} not signed in: {signed_in.status_code}")
                raise StopUser()

    # Reading

    def _read(self, path: str, *, name: str | None = None) -> str:
        """A page as a signed-in browser loads it: 200 with the portal's page (not a redirect to
        the login page); keeps the page's CSRF token for her next post."""
        with self.client.get(
            path,
            name=name or path,
            allow_redirects=False,
            context={"group": PAGE_READS},
            catch_response=True,
        ) as page:
            body = page.text or ""
            if page.status_code != 200 or "hx-headers" not in body:
                page.failure(f"answered {page.status_code}")
                raise Failed(path)
            self.token = _csrf(body)
            return body

    @task(3)
    def dashboard(self) -> None:
        self._read("/")

    @task(2)
    def offers(self) -> None:
        self._read("/offers/")

    @task(1)
    def activity(self) -> None:
        self._read("/activity/")

    @task(1)
    def inbox(self) -> None:
        self._read("/inbox/")

    # Buying and switching off

    def _htmx(self) -> dict:
        return {
            "HX-Request": "true",
            "HX-Current-URL": f"{self.host}/offers/",
            "X-CSRFToken": self.token,
            "Origin": self.host,
        }

    def _switch(self, method: str, path: str, *, name: str, group: str, data=None) -> str:
        """An htmx request of the switch: 200 with the card, no refusal in it."""
        with self.client.request(
            method,
            path,
            data=data,
            headers=self._htmx(),
            allow_redirects=False,
            name=name,
            context={"group": group},
            catch_response=True,
        ) as answer:
            body = answer.text or ""
            if answer.status_code != 200 or "addon-error" in body:
                answer.failure(f"answered {answer.status_code}: {body[-300:]!r}")
                raise Failed(path)
            return body

    def _settle(self, offer_id: str, card: str) -> str:
        """Poll the busy card as htmx does (every 700 ms) until the worker has done its job."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while 'hx-trigger="every 700ms"' in card:
            if time.monotonic() > deadline:
                raise Failed(f"offer {offer_id} still busy after {SETTLE_TIMEOUT_S:.0f} s")
            gevent.sleep(POLL_S)
            state = _STATE.search(card)
            card = self._switch(
                "GET",
                f"/addons/{offer_id}/?was={state.group(1) if state else ''}",
                name="/addons/[offer]/ (poll)",
                group=POLLS,
            )
        return card

    @task(1)
    def buy_and_switch_off(self) -> None:
        page = self._read("/offers/")
        chosen = _cheapest_buy(page)
        if chosen is None:
            self._fail("no add-on to buy on /offers/")
        offer_id, key, price = chosen
        card = self._switch(
            "POST",
            f"/addons/{offer_id}/on/",
            data={"idempotency_key": key, "expected_price": price, "next": "/offers/"},
            name="/addons/[offer]/on/",
            group=PURCHASES,
        )
        if 'aria-checked="true"' not in card:
            self._fail(f"offer {offer_id} not switched on")
        card = self._settle(offer_id, card)
        panel = _OFF_PANEL.search(card)
        if panel is None:
            self._fail(f"offer {offer_id} bought, but no switch-off on its card")
        off_path = panel.group(1)
        gevent.sleep(random.uniform(1, 3))  # she reads the card, then taps the switch again
        confirm = self._switch(
            "GET", off_path, name="/addons/owned/[id]/off/ (confirm)", group=SWITCH_OFFS
        )
        off_key, refund = _KEY.search(confirm), _REFUND.search(confirm)
        if off_key is None or refund is None:
            self._fail(f"no switch-off form in {off_path}")
        card = self._switch(
            "POST",
            off_path,
            data={
                "idempotency_key": off_key.group(1),
                "expected_refund": refund.group(1),
                "next": "/offers/",
            },
            name="/addons/owned/[id]/off/",
            group=SWITCH_OFFS,
        )
        self._settle(offer_id, card)
        if Run.measuring_since is not None:
            Run.cycles += 1

    def _fail(self, message: str) -> None:
        """A journey that went wrong between requests: an error of its own in the results."""
        events.request.fire(
            request_type="JOURNEY",
            name="buy and switch off",
            response_time=0,
            response_length=0,
            exception=Failed(message),
            context={},
        )
        raise Failed(message)
