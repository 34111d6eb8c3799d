"""Video Rollover: while a line owns a rollover product, the unused part of each monthly plan
data allowance that ends becomes an allowance for one service (video on demand) for 30 days."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from selfcare.models import Bucket, Interaction
from selfcare.services import interaction_record

from ..models import ProductInstance

ROLLED_VALID_FOR = dt.timedelta(days=30)


def bucket_rollover_due(*, at: dt.datetime | None = None) -> int:
    """Roll over every ended plan allowance of a line that owns an active rollover product and
    was not rolled yet. Safe to run twice: an allowance rolls into one allowance at most."""
    now = at or timezone.now()
    rolled = 0
    owners = ProductInstance.objects.filter(
        status=ProductInstance.Status.ACTIVE, offer__rollover_scope__gt=""
    ).select_related("offer", "customer")
    for owner in owners:
        ended = Bucket.objects.filter(
            line_id=owner.line_id,
            granted_by_instance__isnull=True,
            unit=Bucket.Unit.MB,
            scope=Bucket.Scope.GENERAL,
            valid_until__lte=now,
            valid_until__gt=owner.started_at,
            used__lt=F("initial"),
            rolled_into__isnull=True,
        )
        for bucket in ended:
            rolled += _roll(bucket, owner=owner, at=now)
    return rolled


def _roll(bucket: Bucket, *, owner: ProductInstance, at) -> int:
    scope = owner.offer.rollover_scope
    try:
        with transaction.atomic():
            Bucket.objects.create(
                line_id=bucket.line_id,
                name=f"Rolled over for {owner.offer.get_rollover_scope_display().lower()}",
                unit=Bucket.Unit.MB,
                scope=scope,
                initial=bucket.remaining,
                valid_from=bucket.valid_until,
                valid_until=bucket.valid_until + ROLLED_VALID_FOR,
                granted_by_instance=owner.pk,
                rolled_from=bucket,
            )
            interaction_record(
                customer=owner.customer,
                kind=Interaction.Kind.ADDON_STATUS,
                channel="system",
                summary=f"{bucket.remaining} MB of unused data rolled over ({owner.offer.name})",
                data={"bucket_id": bucket.pk, "product_instance_id": owner.pk},
            )
    except IntegrityError:
        return 0  # rolled by a concurrent run
    return 1
