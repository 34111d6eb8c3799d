"""Rollover (Video Rollover): while a line owns an active rollover product, the unused part of
each monthly plan data allowance that ends becomes an allowance for one service (the offer's
`rollover_scope`, e.g. video on demand) for 30 days. A sweep does it
(`orders.services.bucket_rollover_due`); the product itself needs no hook."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_noop

from catalog.models import DataScope
from selfcare.models import BYTES_PER_MB, Bucket, Interaction
from selfcare.said import choice, said, said_json
from selfcare.services import interaction_record

from ..models import ProductInstance
from .base import OfferKind

ROLLED_VALID_FOR = dt.timedelta(days=30)


class RolloverKind(OfferKind):
    code = "rollover"

    def matches(self, offer) -> bool:
        return bool(offer.rollover_scope)

    def roll_over_due(self, *, at: dt.datetime) -> int:
        """Roll over every ended plan allowance of a line that owns an active rollover product
        and was not rolled yet; how many rolled. An allowance rolls into one allowance at most
        (its rolled allowance is unique by `rolled_from`)."""
        rolled = 0
        owners = ProductInstance.objects.filter(
            status=ProductInstance.Status.ACTIVE, offer__rollover_scope__gt=""
        ).select_related("offer", "customer")
        for owner in owners:
            ended = Bucket.objects.filter(
                line_id=owner.line_id,
                granted_by_instance__isnull=True,
                unit=Bucket.Unit.BYTES,
                scope=Bucket.Scope.GENERAL,
                valid_until__lte=at,
                valid_until__gt=owner.started_at,
                used__lt=F("initial"),
                rolled_into__isnull=True,
            )
            for bucket in ended:
                rolled += _roll(bucket, owner=owner)
        return rolled


def _roll(bucket: Bucket, *, owner: ProductInstance) -> int:
    scope = owner.offer.rollover_scope
    name = said(
        gettext_noop("Rolled over for %(service)s"), service=choice(DataScope, scope, lower=True)
    )
    try:
        with transaction.atomic():
            Bucket.objects.create(
                line_id=bucket.line_id,
                name=name,
                said=said_json(name),
                unit=Bucket.Unit.BYTES,
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
                summary=said(
                    gettext_noop("%(mb)s MB of unused data rolled over (%(offer)s)"),
                    mb=bucket.remaining // BYTES_PER_MB,
                    offer=owner.offer.name,
                ),
                data={"bucket_id": bucket.pk, "product_instance_id": owner.pk},
            )
    except IntegrityError:
        return 0  # rolled by a concurrent run
    return 1
