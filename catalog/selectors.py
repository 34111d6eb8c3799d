"""Reads of the catalog. The published catalog changes only through the catalog's services,
which raise `CatalogVersion` in the same transaction: a process keeps the offers it read and
reads them again only when that number moved, so a page pays one small query for them."""

from __future__ import annotations

import threading

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count

from .models import BasePlan, CatalogVersion, Offer, OfferChange, OfferTemplate

CATALOG_VERSION_ID = 1

_lock = threading.Lock()
_published: tuple[int, tuple[Offer, ...]] | None = None


def catalog_version() -> int:
    return (
        CatalogVersion.objects.filter(pk=CATALOG_VERSION_ID)
        .values_list("version", flat=True)
        .first()
        or 0
    )


def offer_list_published() -> tuple[Offer, ...]:
    """The offers on sale, in display order, with the offers each requires and excludes. Shared by
    every request of this process until the catalog's version moves: read-only, never change
    what it returns. Read after the version, so a list is never kept under a newer version than
    the data it holds."""
    global _published
    version = catalog_version()
    kept = _published
    if kept is not None and kept[0] == version:
        return kept[1]
    offers = tuple(
        Offer.objects.filter(status=Offer.Status.PUBLISHED)
        # The template's kind is the portal's shelf (catalog.shelves): read in the same query.
        .select_related("template")
        .prefetch_related("requires_offers", "excludes_offers")
    )
    with _lock:
        _published = (version, offers)
    return offers


def offer_cache_clear() -> None:
    """Forget the kept catalog (tests, whose rolled-back transactions take versions back)."""
    global _published
    with _lock:
        _published = None


def offer_template_list() -> list[OfferTemplate]:
    """The templates a new offer starts from, the most used first (by how many offers were made
    from each, `offers_made`), then by name: what a product manager launches most is on top."""
    return list(
        OfferTemplate.objects.annotate(offers_made=Count("offers")).order_by("-offers_made", "name")
    )


def base_plan_get(*, name: str) -> BasePlan:
    """The base plan called `name`, or one at the default rates if the catalog has none."""
    return BasePlan.objects.filter(name=name).first() or BasePlan(name=name)


def base_plan_map(*, names) -> dict[str, BasePlan]:
    """`base_plan_get` for many names in one query."""
    plans = {plan.name: plan for plan in BasePlan.objects.filter(name__in=set(names))}
    return {name: plans.get(name) or BasePlan(name=name) for name in names}


def offer_change_list(*, offer: Offer) -> list[OfferChange]:
    """The offer's history, newest first, each row with its person and `edits`: (the field's
    label, before, after) for each field an edit changed."""
    changes = list(offer.changes.select_related("changed_by"))
    for change in changes:
        change.edits = [
            (_field_label(name), before, after) for name, (before, after) in change.fields.items()
        ]
    return changes


def _field_label(name: str) -> str:
    try:
        return str(Offer._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a field since removed: its history stays, under its name
        return name
