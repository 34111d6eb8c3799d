"""What the lifecycle campaign tests share: customers with consent, a running campaign, and
events recorded and dispatched as the event log does."""

import datetime as dt
import itertools

import pytest
from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import campaign_start
from selfcare.models import Customer, DomainEvent, Notification
from selfcare.services.events import EventRow, event_dispatch, events_record
from tests import factories

GB = 1024**3
_causes = itertools.count(1)


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    """Quiet hours only where a test sets them: a suite run at night decides as by day."""
    settings.CAMPAIGN_QUIET_HOURS = (0, 0)


def consenting(**kwargs) -> Customer:
    customer = factories.CustomerFactory(**kwargs)
    Customer.objects.filter(pk=customer.pk).update(marketing_consent=True)
    customer.refresh_from_db()
    return customer


def campaign_running(*, offer, code="data-running-out", **terms) -> Campaign:
    values = {
        "name": code.replace("-", " ").capitalize(),
        "code": code,
        "trigger": "BucketThresholdCrossed",
        "threshold_percent": 80,
        "offer": offer,
        "message": "{first_name}, {left} left until {ends}: {offer} for {price}.",
        "holdout_percent": 0,
        "quiet_hours": False,
        **terms,
    }
    campaign = Campaign.objects.create(**values)
    return campaign_start(campaign_id=campaign.pk)


def record(kind, customer, *, line=None, facts=None, at=None) -> list[int]:
    at = at or timezone.now()
    with transaction.atomic():
        return events_record(
            rows=[
                EventRow(
                    kind,
                    customer.pk,
                    f"test:{next(_causes)}",
                    at,
                    facts or {},
                    line.pk if line is not None else None,
                )
            ]
        )


def crossed(customer, *, percent=80, at=None) -> list[int]:
    """Her plan data crossing `percent` % used: 10 GB, 8 GB used, until a day after `at`."""
    at = at or timezone.now()
    return record(
        DomainEvent.Kind.BUCKET_THRESHOLD_CROSSED,
        customer,
        line=customer.lines.get(),
        facts={
            "bucket_id": 1,
            "bucket_name": "Plan data",
            "unit": "bytes",
            "used": 8 * GB,
            "initial": 10 * GB,
            "threshold": percent,
            "valid_until": (at + dt.timedelta(days=1)).isoformat(),
        },
        at=at,
    )


def dispatch(ids, capture) -> None:
    """The dispatch job, then the jobs it publishes on commit (the sends), inline."""
    with capture(execute=True):
        event_dispatch(event_ids=ids)


def campaign_messages(customer):
    return list(
        Notification.objects.filter(customer=customer, campaign_id__isnull=False).order_by("pk")
    )


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks
