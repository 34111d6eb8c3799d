"""The measurements: a tap through the web server until the worker made it active, the broker's
round trip, page throughput under wrk, and the SQL queries each page costs."""

from __future__ import annotations

import http.client
import re
import subprocess
import time
import uuid
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import psycopg
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .data import SignedIn
from .processes import HOST

TAP_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.001
# What htmx sends: the page's CSRF token (hx-headers on <body>, or a form's hidden field).
_CSRF_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrfmiddlewaretoken" value="([^"]+)"')
# The switch's key and the price on its card, which a tap must carry: hidden fields of its form
# (or, before the switch was a plain form, hx-vals on the card's `.addon-control`).
_SWITCH_KEY = re.compile(r'name="idempotency_key" value="([^"]*)"|"idempotency_key": "([^"]*)"')
_SWITCH_PRICE = re.compile(r'name="expected_price" value="([^"]+)"|"expected_price": "([^"]+)"')


@dataclass(frozen=True)
class Tap:
    total_ms: float  # from just before the POST until the row reads `active`
    response_ms: float  # from just before the POST until its response was read


class Portal:
    """A browser's view of the running web server: one keep-alive connection, cookies per user."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=TAP_TIMEOUT_S)

    def request(self, method: str, path: str, *, headers: dict, body: str | None = None):
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        return response, response.read().decode()

    def close(self) -> None:
        self.conn.close()


def _switch_form(body: str, offer_id: int) -> str:
    """The HTML of the offer's switch: its form, from `hx-post` to `</form>` (the switch is a
    plain form posting its key and price), or, in pages made before that, its button and the
    `.addon-control` whose hx-vals carry them."""
    post = body.find(f'hx-post="/addons/{offer_id}/on/"')
    if post < 0:
        raise RuntimeError(f"/offers/ shows no switch to turn offer {offer_id} on.")
    end = body.find("</form>", post)
    if end >= 0 and 'name="idempotency_key"' in body[post:end]:
        return body[post:end]
    start = body.rfind('class="addon-control"', 0, post)
    return body[max(start, 0) : body.find(">", post)]


def _switch_key(body: str, offer_id: int) -> str:
    """The idempotency key the page rendered into the offer's switch ("" when it rendered none)."""
    key = _SWITCH_KEY.search(_switch_form(body, offer_id))
    if key is None:
        raise RuntimeError(f"The switch of offer {offer_id} carries no idempotency key.")
    return next(group for group in key.groups() if group is not None)


def _switch_price(body: str, offer_id: int) -> str:
    """The price the offer's card shows and a tap on its switch sends (`expected_price`)."""
    price = _SWITCH_PRICE.search(_switch_form(body, offer_id))
    if price is None:
        raise RuntimeError(f"The card of offer {offer_id} carries no price for a tap.")
    return next(group for group in price.groups() if group is not None)


def tap_to_active(
    *, port: int, dsn: str, offer_id: int, signed_in: list[SignedIn]
) -> tuple[list[Tap], int]:
    """For each customer in turn: load /offers/ (untimed) for the CSRF token, the switch's key and
    the price its card shows, POST the tap as htmx does, then poll the product instance's row
    every millisecond on a connection of its own until it reads `active`. Returns the taps, and
    how many times the page rendered the switch without an idempotency key."""
    portal = Portal(port)
    taps = []
    blank_keys = 0
    session_cookie = settings.SESSION_COOKIE_NAME
    csrf_cookie = settings.CSRF_COOKIE_NAME
    poll_sql = (
        "SELECT status FROM orders_productinstance WHERE line_id = %s AND offer_id = %s "
        "ORDER BY id DESC LIMIT 1"
    )
    try:
        with psycopg.connect(dsn, autocommit=True) as db:
            for who in signed_in:
                cookie = f"{session_cookie}={who.session_key}"
                response, page = portal.request("GET", "/offers/", headers={"Cookie": cookie})
                if response.status != 200:
                    raise RuntimeError(f"GET /offers/ answered {response.status}")
                jar = SimpleCookie()
                for header in response.headers.get_all("Set-Cookie") or []:
                    jar.load(header)
                token = _CSRF_TOKEN.search(page)
                if csrf_cookie not in jar or token is None:
                    raise RuntimeError("/offers/ set no CSRF cookie or token")
                headers = {
                    "Cookie": f"{cookie}; {csrf_cookie}={jar[csrf_cookie].value}",
                    "X-CSRFToken": token.group(1) or token.group(2),
                    "HX-Request": "true",
                    "Origin": f"http://{HOST}:{port}",
                    "Content-Type": "application/x-www-form-urlencoded",
                }
                key = _switch_key(page, offer_id)
                if not key:
                    # The page rendered an empty key, which the view refuses: tap with a fresh one.
                    blank_keys += 1
                    key = uuid.uuid4().hex
                price = _switch_price(page, offer_id)
                form = urlencode({"idempotency_key": key, "expected_price": price})
                path = f"/addons/{offer_id}/on/"

                started = time.perf_counter()
                response, switch = portal.request("POST", path, headers=headers, body=form)
                answered = time.perf_counter()
                if response.status != 200 or 'aria-checked="true"' not in switch:
                    raise RuntimeError(f"POST {path} answered {response.status}: {switch[:300]}")
                while True:
                    row = db.execute(poll_sql, (who.line_id, offer_id)).fetchone()
                    now = time.perf_counter()
                    if row and row[0] == "active":
                        break
                    if row and row[0] == "failed":
                        raise RuntimeError(f"The activation of offer {offer_id} failed.")
                    if now - started > TAP_TIMEOUT_S:
                        raise RuntimeError(f"Not active after {TAP_TIMEOUT_S} s: is the worker up?")
                    time.sleep(POLL_INTERVAL_S)
                taps.append(
                    Tap(total_ms=(now - started) * 1000, response_ms=(answered - started) * 1000)
                )
    finally:
        portal.close()
    return taps, blank_keys


def noop_round_trips(*, count: int, timeout: float = 10.0) -> list[float]:
    """`selfcare.noop` sent and its result read back, in milliseconds. Tasks ignore their
    results by default (CELERY_TASK_IGNORE_RESULT), so this call asks for one."""
    from selfcare.celery import noop_task

    times = []
    for _ in range(count):
        started = time.perf_counter()
        noop_task.apply_async(ignore_result=False).get(timeout=timeout)
        times.append((time.perf_counter() - started) * 1000)
    return times


def worker_wait_ready(worker, *, timeout: float = 30.0) -> None:
    """Wait until the Celery `worker` answers a no-op round trip; raise if it exits or does not
    answer within `timeout` seconds."""
    from celery.exceptions import TimeoutError as CeleryTimeout

    deadline = time.monotonic() + timeout
    while True:
        worker.check()
        try:
            noop_round_trips(count=1, timeout=1.0)
            return
        except CeleryTimeout:
            if time.monotonic() > deadline:
                raise RuntimeError(f"The worker did not answer; see {worker.log_path}") from None


def page_check(*, port: int, path: str, cookie: str, expect: str) -> str:
    """A page must answer 200 with its content before wrk counts it: a redirect to the login
    page would be fast and meaningless. Returns `cookie` with the cookies the page set (the CSRF
    cookie), as a browser sends them from then on."""
    portal = Portal(port)
    try:
        response, body = portal.request("GET", path, headers={"Cookie": cookie})
    finally:
        portal.close()
    if response.status != 200 or expect not in body:
        raise RuntimeError(f"GET {path} answered {response.status} without {expect!r}")
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return "; ".join([cookie, *(f"{name}={morsel.value}" for name, morsel in jar.items())])


@dataclass(frozen=True)
class WrkResult:
    requests_per_s: float
    latency_p50_ms: float
    latency_p99_ms: float


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _latency(output: str, percent: int) -> float:
    match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    return float(match.group(1)) * _UNITS_MS[match.group(2)] if match else float("nan")


def wrk(
    *,
    port: int,
    path: str,
    cookie: str,
    seconds: int,
    headers: tuple[str, ...] = (),
    threads: int = 2,
    connections: int = 32,
) -> WrkResult:
    """Requests/s of `path` under wrk. A slow page is measured, not cut off (10 s timeout); a
    non-2xx answer or a broken connection fails the run."""
    url = f"http://{HOST}:{port}{path}"
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    for header in (f"Cookie: {cookie}", *headers):
        args += ["-H", header]
    args += ["--latency", url]
    output = subprocess.run(
        args, capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if "Non-2xx or 3xx responses" in output or (errors and any(map(int, errors.groups()))):
        raise RuntimeError(f"wrk {path} saw errors:\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise RuntimeError(f"wrk printed no rate:\n{output}")
    return WrkResult(
        requests_per_s=float(rate.group(1)),
        latency_p50_ms=_latency(output, 50),
        latency_p99_ms=_latency(output, 99),
    )


def query_count(*, user, path: str, method: str = "get", data: dict | None = None) -> int:
    """SQL queries of one request by `user`, in this process, after a warm-up GET of the page so
    that per-process caches (content types, templates) are not counted. A POST is sent as htmx
    sends it (without JavaScript the form's answer is a redirect)."""
    client = Client()
    client.force_login(user)
    client.get(path if method == "get" else "/")
    headers = {"HX-Request": "true"} if method == "post" else {}
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, data or {}, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"{method.upper()} {path} answered {response.status_code}")
    return len(queries.captured_queries)
