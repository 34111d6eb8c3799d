"""TMF635 usage: the network's feed in TM Forum's shape, rated by the feed's own service (same
allowances drawn, same charges, same replays ignored), one Usage, a batch or a file; her usage
records read by her or by an agent naming her. Valid against TM Forum's document."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from selfcare.models import BYTES_PER_MB, Bucket, LedgerEntry, OutOfBundleTally, UsageRecord
from selfcare.selectors import customer_balance
from tests.api.helpers import system_token
from tests.factories import CustomerFactory, UserFactory
from tests.tmf.conformance import conforms, conforms_list

pytestmark = pytest.mark.django_db
URL = "/tmf-api/usageManagement/v4/usage"
MB = BYTES_PER_MB


@pytest.fixture
def network(client):
    """The network's mediation: a system client with usage:write."""
    return {
        "Authorization": f"Bearer {system_token(client, name='mediation', scopes=['usage:write'])}"
    }


def allowance(line, initial=10 * MB):
    return Bucket.objects.create(
        line=line,
        name="Data",
        unit="bytes",
        initial=initial,
        valid_from=timezone.now() - dt.timedelta(days=1),
        valid_until=timezone.now() + dt.timedelta(days=10),
    )


def usage(line, amount, *, event_id="ev-1", service="data", unit="bytes", **extra):
    characteristics = {
        "eventId": event_id,
        "msisdn": line.msisdn,
        "quantity": amount,
        "unit": unit,
        **extra,
    }
    return {
        "usageType": service,
        "usageDate": (timezone.now() - dt.timedelta(minutes=1)).isoformat(),
        "usageCharacteristic": [{"name": k, "value": v} for k, v in characteristics.items()],
    }


def feed_event(line, quantity, *, event_id="ev-1"):
    return {
        "id": event_id,
        "msisdn": line.msisdn,
        "service": "data",
        "quantity": quantity,
        "unit": "bytes",
        "at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(),
    }


def post(client, body, headers, content_type="application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data, content_type=content_type, headers=headers)


def written():
    return (
        UsageRecord.objects.count(),
        LedgerEntry.objects.count(),
        OutOfBundleTally.objects.count(),
    )


def test_one_usage_is_rated_and_answered_as_tmfs_usage(client, line, network):
    bucket = allowance(line)

    response = post(client, usage(line, 4 * MB, country="FR"), network)

    assert response.status_code == 201, response.json()
    body = response.json()
    conforms("TMF635", "Usage", body)
    record = UsageRecord.objects.get()
    assert body["id"] == str(record.pk)
    assert body["href"] == f"http://testserver{URL}/{record.pk}"
    assert (body["usageType"], body["status"]) == ("data", "rated")
    values = {c["name"]: c["value"] for c in body["usageCharacteristic"]}
    assert values["eventId"] == "ev-1"
    assert values["quantity"] == 4 * MB
    assert values["country"] == "FR"
    assert values["ratedAgainst"] == {str(bucket.pk): 4 * MB}
    assert body["ratedProductUsage"][0]["usageRatingTag"] == "included usage"
    assert Bucket.objects.get(pk=bucket.pk).used == 4 * MB

    replay = post(client, usage(line, 4 * MB, country="FR"), network)

    assert replay.status_code == 200
    assert replay.json()["id"] == body["id"]
    assert UsageRecord.objects.count() == 1
    assert Bucket.objects.get(pk=bucket.pk).used == 4 * MB


def test_tmf635_rates_exactly_as_the_feed_does(client, network):
    """The same use of two like customers, one through /api/usage/, one through TMF635."""
    fed, tmf = CustomerFactory(), CustomerFactory()
    fed_line, tmf_line = fed.lines.get(), tmf.lines.get()
    fed_bucket, tmf_bucket = allowance(fed_line), allowance(tmf_line)
    quantities = [6 * MB, 9 * MB, 30 * MB]

    client.post(
        "/api/usage/",
        json.dumps([feed_event(fed_line, q, event_id=f"a-{i}") for i, q in enumerate(quantities)]),
        content_type="application/json",
        headers=network,
    )
    answer = post(
        client,
        [usage(tmf_line, q, event_id=f"b-{i}") for i, q in enumerate(quantities)],
        network,
    )

    assert answer.status_code == 200
    assert answer.json() == {
        "accepted": 3,
        "duplicates": 0,
        "rejected": 0,
        "rejections": [],
        "@type": "UsageBatchResult",
    }
    assert Bucket.objects.get(pk=tmf_bucket.pk).used == Bucket.objects.get(pk=fed_bucket.pk).used
    assert customer_balance(customer=tmf) == customer_balance(customer=fed)
    assert customer_balance(customer=tmf) < customer_balance(customer=CustomerFactory())

    def rated(line):
        return sorted(
            UsageRecord.objects.filter(line=line).values_list("quantity", "out_of_bundle")
        )

    assert rated(tmf_line) == rated(fed_line)
    tallies = OutOfBundleTally.objects.values_list("line_id", "quantity", "charged")
    by_line = {line_id: (q, c) for line_id, q, c in tallies}
    assert by_line[tmf_line.pk] == by_line[fed_line.pk]


def test_a_file_of_json_lines_with_bad_lines_refused_on_their_own(client, line, network):
    allowance(line)
    lines = [
        json.dumps(usage(line, MB, event_id="f-1")),
        "not json",
        json.dumps(usage(line, MB, event_id="f-2", unit="seconds")),
        json.dumps({"usageType": "data", "usageCharacteristic": "x"}),
        json.dumps(usage(line, MB, event_id="f-1")),  # a replay within the file
    ]

    response = post(client, "\n".join(lines), network, content_type="application/x-ndjson")

    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (1, 1, 3)
    assert [(r["position"], r["reason"]) for r in body["rejections"]] == [
        (2, "malformed JSON"),
        (3, "unit must be bytes for data"),
        (4, "usageCharacteristic is not a list"),
    ]
    assert list(UsageRecord.objects.values_list("event_id", flat=True)) == ["f-1"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"usageType": "data"}, "usageCharacteristic is not a list"),
        ("{", None),
        ("[" * 100 + "]" * 100, None),
    ],
)
def test_a_bad_body_is_a_400_and_nothing_is_written(client, line, network, body, reason):
    allowance(line)
    before = written()

    response = post(client, body if isinstance(body, str) else json.dumps(body), network)

    assert response.status_code == 400
    conforms("TMF635", "Error", response.json())
    if reason:
        assert reason in response.json()["message"]
    assert written() == before


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"msisdn": "+10000000000"}, "unknown number"),
        ({"quantity": -1}, "negative quantity"),
        ({"quantity": "12"}, "quantity is not a whole number"),
        ({"unit": "seconds"}, "unit must be bytes for data"),
    ],
)
def test_one_usage_the_feed_refuses_is_a_400_with_its_reason(client, line, network, change, reason):
    body = usage(line, MB, **change)
    before = written()

    response = post(client, body, network)

    assert response.status_code == 400
    assert response.json()["message"] == f"Usage refused: {reason}."
    assert written() == before


def test_posting_usage_needs_usage_write(client, customer_client, line, catalog_reader):
    before = written()

    as_her = post(customer_client, usage(line, MB), {})
    as_reader = post(client, usage(line, MB), catalog_reader)
    nobody = post(client.__class__(), usage(line, MB), {})

    # Her portal session is no system: a POST is authenticated by a bearer token only.
    assert [r.status_code for r in (as_her, as_reader, nobody)] == [401, 403, 401]
    conforms("TMF635", "Error", as_reader.json())
    assert written() == before


def test_she_reads_her_usage_records_newest_first_and_no_one_elses(
    client, customer_client, customer, line, network
):
    other = CustomerFactory()
    post(
        client,
        [usage(line, MB, event_id="mine-1"), usage(line, 2 * MB, event_id="mine-2")],
        network,
    )
    post(client, usage(other.lines.get(), MB, event_id="theirs"), network)
    theirs = UsageRecord.objects.get(event_id="theirs")

    response = customer_client.get(URL, {"limit": 1})

    body = response.json()
    conforms_list("TMF635", "Usage", body)
    assert response["X-Total-Count"] == "2"
    assert len(body) == 1
    assert body[0]["relatedParty"][0]["id"] == str(customer.pk)
    both = customer_client.get(URL, {"fields": "usageType"}).json()
    assert {u["id"] for u in both} == set(
        map(str, UsageRecord.objects.filter(line=line).values_list("id", flat=True))
    )
    assert set(both[0]) == {"id", "href", "@type", "usageType"}
    one = customer_client.get(f"{URL}/{body[0]['id']}")
    conforms("TMF635", "Usage", one.json())
    assert customer_client.get(f"{URL}/{theirs.pk}").status_code == 404
    assert customer_client.get(URL, {"relatedParty.id": str(other.pk)}).status_code == 403


def test_an_agent_reads_the_usage_of_the_customer_he_names(client, customer, agent, line, network):
    post(client, usage(line, MB), network)
    staff = UserFactory(username="pat", is_staff=True, groups=["Product managers"])
    client.force_login(agent)

    hers = client.get(URL, {"relatedParty.id": str(customer.pk)})
    unnamed = client.get(URL)
    client.force_login(staff)
    not_an_agent = client.get(URL, {"relatedParty.id": str(customer.pk)})

    assert hers.status_code == 200
    assert [u["id"] for u in hers.json()] == [str(UsageRecord.objects.get().pk)]
    assert unnamed.status_code == 400
    conforms("TMF635", "Error", unnamed.json())
    assert not_an_agent.status_code == 403
