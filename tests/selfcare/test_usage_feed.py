"""The two ways in: POST /api/usage/ (system clients' bearer tokens) and `ingest_usage`."""

import io
import json
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from selfcare.models import BYTES_PER_MB, ApiClient, Bucket, LedgerEntry, UsageRecord
from selfcare.selectors import customer_balance
from selfcare.services import usage_ingest
from selfcare.services.api_clients import api_client_revoke, api_token_hash
from tests.api.helpers import system_token
from tests.factories import CustomerFactory
from tests.selfcare.test_usage import bucket, event, used

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(client):
    return system_token(client, name="mediation", scopes=["usage:write"])


def post(client, body, token=None, content_type="application/json"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/usage/", body, content_type=content_type, headers=headers)


# The API


def test_a_client_posts_a_json_array_and_gets_the_counts_and_rejections(client, line, token):
    data = bucket(line, "Plan data", 5000)
    feed = [event(line, 100, id="a"), event(line, 100, id="a"), {"id": "b", "msisdn": "0"}]

    response = post(client, json.dumps(feed), token)

    assert response.status_code == 200
    assert response.json() == {
        "accepted": 1,
        "duplicates": 1,
        "rejected": 1,
        "rejections": [{"id": "b", "position": 3, "reason": "unknown number"}],
    }
    assert used(data) == [100]
    assert ApiClient.objects.get().last_used_at is not None


def test_json_lines_too_with_a_malformed_line_rejected_on_its_own(client, line, token):
    body = "\n".join([json.dumps(event(line, 10, id="a")), "{oops", json.dumps(event(line, 5))])

    response = post(client, body, token, content_type="application/x-ndjson")

    assert response.json()["accepted"] == 2
    assert response.json()["rejections"] == [
        {"id": None, "position": 2, "reason": "malformed JSON"}
    ]


@pytest.mark.parametrize("how", ["none", "wrong", "revoked"])
def test_no_token_a_wrong_one_or_a_revoked_one_is_401_and_writes_nothing(client, line, how):
    good = system_token(client, name="mediation", scopes=["usage:write"])
    token = {"none": None, "wrong": "not-a-token", "revoked": good}[how]
    if how == "revoked":
        api_client_revoke(name="mediation")

    response = post(client, json.dumps([event(line, 10)]), token)

    assert response.status_code == 401
    assert "detail" in response.json()
    assert not UsageRecord.objects.exists()


def test_a_client_without_the_scope_is_403_and_writes_nothing(client, line):
    ApiClient.objects.all().delete()
    other = system_token(client, name="partner", scopes=["catalog:read"])

    response = post(client, json.dumps([event(line, 10)]), other)

    assert response.status_code == 403
    assert not UsageRecord.objects.exists()
    assert ApiClient.objects.get().last_used_at is None


def test_a_customers_session_is_not_a_client(customer_client, line):
    response = post(customer_client, json.dumps([event(line, 10)]))

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("not json at all", "The body is neither a JSON array of events nor JSON Lines."),
        (json.dumps([{}] * 10_001), "At most 10,000 events a request; this one has 10,001."),
    ],
)
def test_a_body_that_is_not_json_or_too_big_is_400(client, line, token, body, detail):
    response = post(client, body, token)

    assert (response.status_code, response.json()) == (400, {"detail": detail})
    assert not UsageRecord.objects.exists()


def test_a_full_batch_of_long_events_is_accepted_though_above_djangos_upload_limit(
    client, line, token, settings
):
    data = bucket(line, "Plan data", 10**9)
    at = timezone.now().isoformat(timespec="microseconds")
    feed = [
        event(line, 1, id=f"{i:064d}", at=timezone.now(), zone="z" * 32, country="PT") | {"at": at}
        for i in range(10_000)
    ]
    body = json.dumps(feed, indent=2)
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = post(client, body, token)

    assert response.status_code == 200
    assert response.json()["accepted"] == 10_000
    assert used(data) == [10_000]


def test_a_body_larger_than_a_full_batch_needs_is_413_and_writes_nothing(client, line, token):
    from selfcare.api.views import MAX_BODY_BYTES

    body = json.dumps([event(line, 1, id="a", zone="z" * (MAX_BODY_BYTES))])

    response = post(client, body, token)

    assert response.status_code == 413
    assert response.json() == {
        "detail": "At most 5,120,000 bytes a request (10,000 events); send the rest in another "
        "request."
    }
    assert not UsageRecord.objects.exists()


def test_a_client_made_before_oauth2_still_posts_with_its_static_token(client, line):
    bucket(line, "Plan data", 5000)
    ApiClient.objects.create(
        name="old mediation", scopes=["usage:write"], token_hash=api_token_hash("static-token")
    )

    response = post(client, json.dumps([event(line, 10)]), "static-token")

    assert response.status_code == 200
    assert response.json()["accepted"] == 1
    api_client_revoke(name="old mediation")
    assert post(client, json.dumps([event(line, 10, id="b")]), "static-token").status_code == 401


def test_the_secret_is_kept_hashed_and_printed_once_by_the_command(db):
    out, err = io.StringIO(), io.StringIO()

    call_command("api_client_create", "mediation", "--scope", "usage:write", stdout=out, stderr=err)

    printed = dict(line.split("=", 1) for line in out.getvalue().split())
    client = ApiClient.objects.select_related("application").get()
    assert len(printed["CLIENT_SECRET"]) >= 40
    assert client.application.client_id == printed["CLIENT_ID"]
    assert printed["CLIENT_SECRET"] not in client.application.client_secret  # a hash
    assert client.scopes == ["usage:write"]
    call_command("api_client_revoke", "mediation", stdout=io.StringIO())
    client.refresh_from_db()
    assert (client.revoked_at is not None, client.application) == (True, None)


# The command


def test_the_command_rates_a_file_in_batches_and_sums_up(tmp_path, line):
    data = bucket(line, "Plan data", 5000)
    path = tmp_path / "feed.jsonl"
    lines = [json.dumps(event(line, 10, id=f"ev-{i}")) for i in range(7)]
    lines[3] = "{not json"
    path.write_text("\n".join([*lines, json.dumps(event(line, 10, id="ev-0"))]) + "\n")
    out = io.StringIO()

    call_command("ingest_usage", str(path), "--batch-size", "3", stdout=out)

    assert out.getvalue().splitlines() == [
        "6 accepted, 1 duplicates, 1 rejected.",
        "  event 4: (no id): malformed JSON",
    ]
    assert used(data) == [60]

    # replayed: nothing changes
    again = io.StringIO()
    call_command("ingest_usage", str(path), stdout=again)
    assert again.getvalue().splitlines()[0] == "0 accepted, 7 duplicates, 1 rejected."
    assert used(data) == [60]


def test_the_command_reads_stdin(monkeypatch, line):
    data = bucket(line, "Plan data", 5000)
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(event(line, 42)) + "\n"))
    out = io.StringIO()

    call_command("ingest_usage", "-", stdout=out)

    assert out.getvalue().startswith("1 accepted, 0 duplicates, 0 rejected.")
    assert used(data) == [42]


def test_record_usage_is_one_event_through_the_feed_rated_once(line):
    data = bucket(line, "Plan data", 5000 * BYTES_PER_MB)

    call_command("record_usage", line.msisdn, "500", "--id", "demo-1", stdout=io.StringIO())
    call_command("record_usage", line.msisdn, "500", "--id", "demo-1", stdout=io.StringIO())

    assert used(data) == [500 * BYTES_PER_MB]


# Two feeds at once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_feeds_rating_one_line_at_once_equal_rating_them_one_after_the_other():
    customer = CustomerFactory(balance=Decimal("1.00"))
    line = customer.lines.get()
    data = bucket(line, "Plan data", 30 * BYTES_PER_MB)
    now = timezone.now()
    # two feeds of 40 x 1 MB each, sharing 10 ids: 70 distinct MB, 30 in the allowance
    feeds = [
        [event(line, BYTES_PER_MB, id=f"ev-{i}", at=now) for i in range(0, 40)],
        [event(line, BYTES_PER_MB, id=f"ev-{i}", at=now) for i in range(30, 70)],
    ]
    results, barrier = [None, None], threading.Barrier(2)

    def feed(i):
        barrier.wait()
        try:
            results[i] = usage_ingest(events=feeds[i])
        finally:
            connection.close()

    threads = [threading.Thread(target=feed, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted((r.accepted, r.duplicates) for r in results) == [(30, 10), (40, 0)]
    assert used(data) == [30 * BYTES_PER_MB]
    assert UsageRecord.objects.count() == 70
    # 40 MB out of bundle at €0.01: €0.40, whatever the interleaving
    assert sum(e.amount for e in LedgerEntry.objects.filter(kind="charge")) == Decimal("-0.40")
    assert customer_balance(customer=customer) == Decimal("0.60")
    assert Bucket.objects.get(pk=data.pk).used == 30 * BYTES_PER_MB


def _on_statement(*, before=None, after=None):
    """An execute wrapper calling `before(sql)` and `after(sql)` around each statement."""

    def wrapper(execute, sql, params, many, context):
        if before:
            before(sql)
        answer = execute(sql, params, many, context)
        if after:
            after(sql)
        return answer

    return wrapper


def _looks_for_seen_ids(sql: str) -> bool:
    """The statement that drops the batch's ids seen before (either path)."""
    sql = sql.replace('"', "")
    return "selfcare_usagerecord" in sql and "INSERT INTO" not in sql


def _inserts_records(sql: str) -> bool:
    return "INSERT INTO selfcare_usagerecord" in sql.replace('"', "")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fast", [True, False], ids=["set_based", "reference"])
def test_one_event_id_from_two_feeds_at_once_for_two_numbers_is_a_duplicate_not_an_error(fast):
    # given two lines, and two feeds carrying the same network event id, one for each number
    first, second = (CustomerFactory().lines.get() for _ in range(2))
    first_data, second_data = bucket(first, "Plan data", 5000), bucket(second, "Plan data", 5000)
    now = timezone.now()
    feeds = [
        [event(first, 100, id="ev-shared", at=now)],
        [event(second, 200, id="ev-shared", at=now), event(second, 7, id="ev-own", at=now)],
    ]
    # the first feed inserts the id, the second looks for ids seen before (and finds none, the
    # first has not committed), then the first commits: the second's insert meets the id
    first_inserted, second_looked = threading.Event(), threading.Event()
    hooks = [
        _on_statement(
            after=lambda sql: (
                _inserts_records(sql) and (first_inserted.set(), second_looked.wait(10))
            )
        ),
        _on_statement(
            before=lambda sql: _looks_for_seen_ids(sql) and first_inserted.wait(10),
            after=lambda sql: _looks_for_seen_ids(sql) and second_looked.set(),
        ),
    ]
    results, errors = [None, None], [None, None]

    def feed(i):
        try:
            with connection.execute_wrapper(hooks[i]):
                results[i] = usage_ingest(events=feeds[i], fast=fast)
        except Exception as exc:  # the assertion below shows it
            errors[i] = exc
        finally:
            connection.close()

    # when both run at once
    threads = [threading.Thread(target=feed, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # then the second feed reports the id as a duplicate and rates the rest of its batch
    assert errors == [None, None]
    assert first_inserted.is_set()
    assert second_looked.is_set()
    assert [(r.accepted, r.duplicates) for r in results] == [(1, 0), (1, 1)]
    assert used(first_data, second_data) == [100, 7]
    assert sorted(UsageRecord.objects.values_list("event_id", "line_id", "quantity")) == [
        ("ev-own", second.pk, 7),
        ("ev-shared", first.pk, 100),
    ]
