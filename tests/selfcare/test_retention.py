"""Records kept only to stop abuse are deleted once a fraud review no longer needs them."""

import datetime as dt

import pytest
from django.utils import timezone

from selfcare.models import SignInCode, VoucherPinFailure
from selfcare.services.retention import security_records_prune
from selfcare.tasks import security_records_prune_task
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _code(customer, *, age: dt.timedelta) -> SignInCode:
    created = timezone.now() - age
    return SignInCode.objects.create(
        purpose=SignInCode.Purpose.SIGN_IN,
        login=customer.lines.get().msisdn,
        customer=customer,
        code_hash="x" * 64,
        created_at=created,
        expires_at=created + dt.timedelta(minutes=5),
    )


def _pin_failure(customer, *, age: dt.timedelta) -> VoucherPinFailure:
    return VoucherPinFailure.objects.create(
        customer=customer, at=timezone.now() - age, channel="portal"
    )


def test_codes_and_wrong_pins_older_than_the_review_period_go_the_rest_stay(settings):
    settings.SECURITY_RECORDS_DAYS = 30
    customer = CustomerFactory()
    old_code = _code(customer, age=dt.timedelta(days=31))
    kept_code = _code(customer, age=dt.timedelta(days=29))
    recent_code = _code(customer, age=dt.timedelta(minutes=2))  # still counts for the limits
    old_pin = _pin_failure(customer, age=dt.timedelta(days=30, minutes=1))
    kept_pin = _pin_failure(customer, age=dt.timedelta(minutes=10))

    assert security_records_prune() == {"sign_in_codes": 1, "voucher_pin_failures": 1}

    assert set(SignInCode.objects.values_list("pk", flat=True)) == {kept_code.pk, recent_code.pk}
    assert list(VoucherPinFailure.objects.values_list("pk", flat=True)) == [kept_pin.pk]
    assert not SignInCode.objects.filter(pk=old_code.pk).exists()
    assert not VoucherPinFailure.objects.filter(pk=old_pin.pk).exists()
    # her account and everything else of hers stays
    customer.refresh_from_db()
    assert customer.lines.count() == 1


def test_the_daily_sweep_runs_it_and_a_second_run_deletes_nothing(settings):
    settings.SECURITY_RECORDS_DAYS = 30
    customer = CustomerFactory()
    _code(customer, age=dt.timedelta(days=40))

    assert security_records_prune_task() == {"sign_in_codes": 1, "voucher_pin_failures": 0}
    assert security_records_prune_task() == {"sign_in_codes": 0, "voucher_pin_failures": 0}
    assert "selfcare.tasks.security_records_prune_task" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
