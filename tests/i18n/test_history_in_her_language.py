"""Her history, her ledger, her allowances' names and why an add-on is as it is are read in the
reader's language, not the language of whoever wrote them: a line written by an English-speaking
worker reads in Portuguese to a Portuguese customer, and in English to the agent reading the same
row (selfcare/said.py). The English line stays in the row, for search, exports and the API."""

import copy
import datetime as dt
import io
import json
import pickle
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext_noop

from catalog.models import Offer
from orders.demo import demo_data_load
from orders.models import Order, ProductInstance
from orders.provisioning import NetworkTransientError, SimulatedNetworkAdapter
from orders.services import product_instance_activate, product_instance_fail_activation
from orders.services.termination import product_instance_cancel, product_instance_renewal_stop
from orders.tasks import _reason
from selfcare.models import Bucket, Customer, Interaction, LedgerEntry, Notification
from selfcare.said import Day, Saying, choice, money, said, said_text, verbatim
from selfcare.services import interaction_record
from selfcare.services.messages import notification_render
from tests.factories import OfferFactory, UserFactory
from tests.orders.helpers import buy

pytestmark = pytest.mark.django_db


@pytest.fixture
def switched_off(customer, data_offer, django_capture_on_commit_callbacks):
    """Data 15GB bought, active and switched off with its refund, all written by workers and
    requests speaking English, and read by her in Portuguese."""
    with translation.override("en"):
        with django_capture_on_commit_callbacks(execute=True):
            buy(customer, data_offer)
        instance = ProductInstance.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            product_instance_cancel(
                customer=customer,
                product_instance_id=instance.pk,
                channel="portal",
                idempotency_key="off-00001",
                reason="Too slow",
            )
    customer.language = "pt"
    customer.save(update_fields=["language"])
    return customer


def test_her_activity_reads_in_portuguese_what_english_workers_wrote(client, switched_off):
    client.force_login(switched_off.user)

    page = client.get("/activity/").text

    for portuguese in (
        "Ativou Data 15GB (10,00 €)",
        "Data 15GB está ativo",
        "Desativou Data 15GB; reembolso de 10,00 €. Motivo: Too slow",
        "Data 15GB está desativado. 10,00 € voltaram ao seu saldo.",
        f"Encomenda n.º {Order.objects.earliest('pk').pk}: concluída",
        # The message's subject is as it was sent (she read English then).
        "SMS enviado: Data 15GB is active",
    ):
        assert portuguese in page
    for english in ("Switched on", "Switched off", "back on your balance", "Order #"):
        assert english not in page
    # The row keeps its English: what search, exports and the API read.
    assert set(Interaction.objects.values_list("summary", flat=True)) >= {
        "Switched on Data 15GB (€10.00)",
        "Switched off Data 15GB; refund €10.00. Reason: Too slow",
    }


def test_her_ledger_reads_in_portuguese(client, switched_off):
    client.force_login(switched_off.user)

    page = client.get("/account/").text

    assert "Data 15GB desativado" in page
    assert "Data 15GB switched off" not in page
    assert LedgerEntry.objects.filter(description="Data 15GB switched off").count() == 1


def test_the_agent_reads_the_same_rows_in_english(client, switched_off):
    client.force_login(UserFactory(username="alex", groups=["Call-centre agents"]))

    page = client.get(
        f"/backoffice/customers/{switched_off.pk}/", headers={"accept-language": "en"}
    ).text

    assert "Switched off Data 15GB; refund €10.00. Reason: Too slow" in page
    assert "Desativou" not in page


def test_why_an_add_on_is_as_it_is_reads_in_her_language(client, switched_off):
    instance = ProductInstance.objects.get()
    assert instance.status_reason == "Switched off by the customer: Too slow"

    with translation.override("pt"):
        assert instance.reason_text == "Desativado pela cliente: Too slow"
    with translation.override("en"):
        assert instance.reason_text == "Switched off by the customer: Too slow"


def test_the_day_renewal_ends_is_written_her_languages_way(customer):
    bundle = OfferFactory(name="Monthly Bundle", billing="recurring", duration_days=30)
    with translation.override("en"):
        buy(customer, bundle)
        instance = ProductInstance.objects.get()
        product_instance_activate(product_instance_id=instance.pk)
        ProductInstance.objects.filter(pk=instance.pk).update(
            ends_at=dt.datetime(2027, 3, 3, 14, 30, tzinfo=dt.UTC)
        )
        product_instance_renewal_stop(
            customer=customer,
            product_instance_id=instance.pk,
            channel="portal",
            idempotency_key="stop-0001",
        )
    line = Interaction.objects.get(summary__startswith="Turned renewal")
    instance.refresh_from_db()

    with translation.override("pt"):
        assert line.text == (
            "Desligou a renovação de Monthly Bundle; termina a 3 de Março de 2027, às 14:30"
        )
        assert instance.reason_text == "Renovação desligada: termina a 3 de Março de 2027, às 14:30"
    with translation.override("en"):
        assert line.text == "Turned renewal of Monthly Bundle off; it ends 3 March 2027, 14:30"


def test_a_line_is_said_again_from_its_words_and_facts():
    line = said(
        gettext_noop("%(what)s + goodwill %(goodwill)s"),
        what=said(
            gettext_noop("Switched off %(offer)s; refund %(refund)s"),
            offer="Data 15GB",
            refund=money(Decimal("2.50"), "EUR"),
        ),
        goodwill=money(Decimal("1250"), "EUR"),
    )

    assert line == "Switched off Data 15GB; refund €2.50 + goodwill €1,250.00"
    with translation.override("pt"):
        assert said_text(line.as_json(), str(line)) == (
            "Desativou Data 15GB; reembolso de 2,50 € + cortesia de 1.250,00 €"
        )
    day = said(gettext_noop("Renewal turned off: ends %(ends)s"), ends=Day(dt.date(2027, 1, 9)))
    with translation.override("pt"):
        assert (
            said_text(day.as_json(), str(day))
            == "Renovação desligada: termina a 9 de Janeiro de 2027"
        )


def test_words_kept_as_they_are_and_a_catalogue_that_does_not_fit_read_as_written():
    note = verbatim("Wants roaming in Spain")
    assert note.as_json() is None
    assert said_text(None, note) == "Wants roaming in Spain"
    # A translation naming a fact the line does not have falls back to the English line.
    assert said_text({"msgid": "%(nope)s", "facts": {}}, "As written") == "As written"


def test_a_history_line_without_words_to_say_it_again_is_refused(customer):
    with pytest.raises(TypeError):
        interaction_record(
            customer=customer, kind=Interaction.Kind.NOTE, channel="agent", summary="plain text"
        )
    assert not Interaction.objects.exists()


def test_her_allowances_are_named_in_her_language_on_her_dashboard_and_in_her_alerts(
    client, customer, data_offer, django_capture_on_commit_callbacks
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        buy(customer, data_offer)
    allowance = Bucket.objects.get()
    assert allowance.name == "Data 15GB data"  # the API's and search's
    customer.language = "pt"
    customer.save(update_fields=["language"])
    client.force_login(customer.user)

    dashboard = client.get("/").text

    assert "Dados de Data 15GB" in dashboard
    assert "Data 15GB data" not in dashboard
    subject, body = notification_render(
        template="usage_alert",
        values={
            "customer": customer,
            "threshold": 80,
            "bucket_name": Saying(allowance.said, allowance.name),
            "unit": "bytes",
            "remaining": 3 * 1024**3,
            "valid_until": None,
        },
    )
    assert "Dados de Data 15GB" in subject
    assert "Data 15GB data" not in subject + body


def test_her_usage_alert_names_her_allowances_in_portuguese(
    tmp_path, django_capture_on_commit_callbacks
):
    """Through the real path: the feed's file, the event log's crossing events (which carry the
    allowance's words), the alert written in her language."""
    demo_data_load()
    stacy = Customer.objects.get(user__username="stacy")
    stacy.language = "pt"
    stacy.save(update_fields=["language"])
    line = stacy.lines.get()
    with translation.override("en"):
        with django_capture_on_commit_callbacks(execute=True):
            buy(stacy, Offer.objects.get(name="Data 15GB"))
        feed = tmp_path / "stacy.jsonl"
        usage = {
            "id": "pt-stacy-1",
            "msisdn": line.msisdn,
            "service": "data",
            "quantity": 14500 * 1024 * 1024,
            "unit": "bytes",
            "at": dt.datetime.now(dt.UTC).isoformat(),
        }
        feed.write_text(json.dumps(usage) + "\n")
        with django_capture_on_commit_callbacks(execute=True):
            call_command("ingest_usage", str(feed), stdout=io.StringIO())

    subjects = list(
        Notification.objects.filter(customer=stacy, template="usage_alert")
        .order_by("id")
        .values_list("subject", flat=True)
    )
    assert len(subjects) == 2
    assert "Dados do tarifário" in subjects[0]
    assert "Dados de Data 15GB" in subjects[1]
    assert not any("Plan data" in s or "Data 15GB data" in s for s in subjects)


def test_a_failed_activation_says_why_in_her_language(
    client, customer, data_offer, django_capture_on_commit_callbacks
):
    """The simulated network's refusal (a Said) reaches her product, her order, her history
    and her message in Portuguese."""
    customer.language = "pt"
    customer.save(update_fields=["language"])
    with translation.override("en"):
        with django_capture_on_commit_callbacks(execute=False):  # the activation job waits
            buy(customer, data_offer)
        instance = ProductInstance.objects.get()
        try:
            SimulatedNetworkAdapter(latency_ms=0, failure_rate=1.0).activate(None)
        except NetworkTransientError as exc:
            reason = _reason(exc)
        product_instance_fail_activation(product_instance_id=instance.pk, reason=reason)
    client.force_login(customer.user)
    late = "A rede não confirmou a ativação a tempo."

    instance.refresh_from_db()
    with translation.override("pt"):
        assert instance.reason_text == late
    assert late in client.get("/orders/").text
    activity = client.get("/activity/").text
    assert f"Não foi possível ativar Data 15GB: {late}" in activity
    assert "did not confirm" not in activity
    message = Notification.objects.get(customer=customer, template="addon_failed")
    assert "A rede não confirmou a ativação a tempo" in message.body
    assert "did not confirm" not in message.body


def test_a_line_survives_json_a_copy_and_a_pickle():
    summer_night = dt.datetime(2027, 7, 3, 23, 30, tzinfo=dt.UTC)  # 00:30 on the 4th in Lisbon
    line = said(
        gettext_noop("%(what)s (%(note)s)"),
        what=said(
            gettext_noop("Order #%(order)s: %(status)s"),
            order=7,
            status=choice(Order.Status, "completed", lower=True),
        ),
        note=verbatim("Call me after 6"),
    )
    turned_off = gettext_noop("Renewal turned off: ends %(ends)s")
    ends = said(turned_off, ends=Day(summer_night, time=True))
    day = said(turned_off, ends=Day(dt.date(2027, 1, 9)))

    stored = [json.loads(json.dumps(x.as_json())) for x in (line, ends, day)]

    with translation.override("pt"):
        assert said_text(stored[0], line) == "Encomenda n.º 7: concluída (Call me after 6)"
        assert said_text(stored[1], ends) == (
            "Renovação desligada: termina a 4 de Julho de 2027, às 00:30"
        )
        assert said_text(stored[2], day) == "Renovação desligada: termina a 9 de Janeiro de 2027"
    for again in (copy.copy(line), copy.deepcopy(line), pickle.loads(pickle.dumps(line))):
        assert again == line
        assert again.as_json() == line.as_json()


def test_a_row_this_code_cannot_read_shows_as_written_and_bad_facts_are_refused():
    damaged = {"msgid": "Top-up %(how)s", "facts": {"how": {"money": "not a number"}}}
    assert said_text(damaged, "Top-up by card") == "Top-up by card"
    assert said_text({"facts": {}}, "As written") == "As written"
    with pytest.raises(TypeError, match="price: a fact is"):
        said(gettext_noop("Switched on %(offer)s (%(price)s)"), offer="X", price=Decimal("1"))
    with pytest.raises(ValueError, match="time zone"):
        Day(dt.datetime(2027, 1, 1, 12, 0))  # no time zone
    with pytest.raises(TypeError, match="no time of day"):
        Day(dt.date(2027, 1, 1), time=True)
