"""Every write to the catalog. The admin's buttons and actions are adapters over these."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from .models import BasePlan, CatalogVersion, Offer, OfferChange, OfferTemplate, OfferTerms
from .pack import TEMPLATE_PACK
from .policies import COMMERCIAL_FIELDS, offer_problems

TERMS_FIELDS = tuple(
    f.name for f in OfferTerms._meta.get_fields() if f.concrete and not f.primary_key
)
# What an edit may change, and its history records: every field of the offer but its status and
# dates (their own history rows say when they changed) and the bookkeeping fields.
AUDITED_FIELDS = tuple(
    f
    for f in Offer._meta.concrete_fields
    if not f.primary_key
    and f.name
    not in {"status", "published_at", "retired_at", "created_at", "updated_at", "updated_by"}
)


class OfferPublishError(Exception):
    """The offer cannot be published as it is; `problems` says what to fix."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


class OfferTransitionError(Exception):
    pass


class BasePlanError(Exception):
    """The plan's rates cannot be saved as they are; `problems` says what to fix, per field."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def base_plan_problems(plan: BasePlan) -> dict[str, str]:
    """What is wrong with a plan's rates, by field: a rate is never negative."""
    return {
        name: gettext("A rate cannot be negative (0 makes it free).")
        for name in ("rate_per_mb", "rate_per_minute", "rate_per_sms")
        if getattr(plan, name) is not None and getattr(plan, name) < 0
    }


@transaction.atomic
def base_plan_save(*, plan: BasePlan) -> BasePlan:
    """Save a product manager's base plan. Its rates apply to out-of-bundle use rated from the
    next batch on, and her dashboard shows them at its next load; what was charged stays.
    Raises BasePlanError, saving nothing, for a negative rate."""
    problems = base_plan_problems(plan)
    if problems:
        raise BasePlanError(problems)
    plan.save()
    return plan


def catalog_version_bump() -> None:
    """Tell every process that keeps the published catalog to read it again. Called in the
    transaction of each change to offers (or their links to other offers), so the new version
    is seen exactly when the change is."""
    updated = CatalogVersion.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        CatalogVersion.objects.get_or_create(pk=1, defaults={"version": 1})


def offer_template_terms(*, template: OfferTemplate) -> dict:
    """The policy values a new offer made from `template` starts with."""
    return {name: getattr(template, name) for name in TERMS_FIELDS}


def offer_change_record(*, offer: Offer, action: str, actor=None, fields=None) -> OfferChange:
    """Write one row of the offer's history, in the caller's transaction."""
    return OfferChange.objects.create(
        offer=offer,
        action=action,
        changed_by=actor if getattr(actor, "pk", None) else None,
        fields=fields or {},
    )


def offer_fields_changed(*, before: Offer, after: Offer) -> dict[str, list]:
    """{field name: [before, after]} for each audited field whose value differs."""
    return {
        f.name: [f.value_from_object(before), f.value_from_object(after)]
        for f in AUDITED_FIELDS
        if f.value_from_object(before) != f.value_from_object(after)
    }


@transaction.atomic
def offer_create_from_template(
    *, template: OfferTemplate, code: str, name: str, actor=None, **overrides
) -> Offer:
    """Create a draft offer with the template's policies, `overrides` applied on top, and the
    first row of its history."""
    offer = Offer(
        template=template,
        code=code,
        name=name,
        updated_by=actor,
        **offer_template_terms(template=template),
    )
    for key, value in overrides.items():
        setattr(offer, key, value)
    offer.full_clean(exclude=["status"])
    offer.save()
    offer_change_record(offer=offer, action=OfferChange.Action.CREATED, actor=actor)
    return offer


@transaction.atomic
def offer_publish(*, offer: Offer, actor=None) -> Offer:
    """Publish a draft offer: it is on sale from the next page load.

    Locks the offer and checks its policies again inside the lock; records who published it in
    the offer's history. Raises `OfferPublishError` listing every problem when the offer cannot
    work, `OfferTransitionError` when it is not a draft.
    """
    offer = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
    if offer.status != Offer.Status.DRAFT:
        raise OfferTransitionError(
            gettext("“%(offer)s” is %(status)s, not a draft.")
            % {"offer": offer.name, "status": offer.get_status_display().lower()}
        )
    problems = offer_problems(offer)
    if problems:
        raise OfferPublishError(problems)
    offer.publish(at=timezone.now())
    offer.updated_by = actor
    offer.save(update_fields=["status", "published_at", "updated_by", "updated_at"])
    offer_change_record(offer=offer, action=OfferChange.Action.PUBLISHED, actor=actor)
    catalog_version_bump()
    return offer


@transaction.atomic
def offer_retire(*, offer: Offer, actor=None) -> Offer:
    """Take a published offer off sale. What customers already own keeps running to its end.
    Records who retired it in the offer's history."""
    offer = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
    if offer.status != Offer.Status.PUBLISHED:
        raise OfferTransitionError(gettext("“%(offer)s” is not published.") % {"offer": offer.name})
    offer.retire(at=timezone.now())
    offer.updated_by = actor
    offer.save(update_fields=["status", "retired_at", "updated_by", "updated_at"])
    offer_change_record(offer=offer, action=OfferChange.Action.RETIRED, actor=actor)
    catalog_version_bump()
    return offer


@transaction.atomic
def offer_template_load_pack() -> int:
    """Create the pre-packed templates that do not exist yet; never overwrite a PM's edits.
    Returns how many were created."""
    created = 0
    for code, values in TEMPLATE_PACK.items():
        _, was_created = OfferTemplate.objects.get_or_create(code=code, defaults=values)
        created += was_created
    return created


@transaction.atomic
def offer_save(*, offer: Offer, actor=None) -> Offer:
    """Save a product manager's edit (or new offer), with a row in the offer's history naming
    each field changed, before and after (an edit that changes nothing writes none). A published
    offer stays coherent: an edit that would make it unsellable is refused with
    OfferPublishError, and nothing is saved. Locks the offer's row while it compares."""
    saved = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk) if offer.pk else None
    if saved is not None and offer.status != Offer.Status.DRAFT:
        changed = [
            str(Offer._meta.get_field(name).verbose_name)
            for name in COMMERCIAL_FIELDS
            if getattr(saved, name) != getattr(offer, name)
        ]
        if changed:
            raise OfferPublishError(
                [
                    gettext(
                        "The %(fields)s of an offer on sale cannot change: retire it and "
                        "publish a new offer. Customers who own it keep what they bought."
                    )
                    % {"fields": ", ".join(changed)}
                ]
            )
        problems = offer_problems(offer)
        if problems:
            raise OfferPublishError(problems)
    edits = {} if saved is None else offer_fields_changed(before=saved, after=offer)
    offer.updated_by = actor
    offer.save()
    if saved is None:
        offer_change_record(offer=offer, action=OfferChange.Action.CREATED, actor=actor)
    elif edits:
        offer_change_record(
            offer=offer, action=OfferChange.Action.EDITED, actor=actor, fields=edits
        )
    catalog_version_bump()
    return offer
