"""Lifecycle campaigns: marketing starts, pauses, resumes, edits and ends them; their queued
decisions are carried out on the `campaigns` queue; their schedules run; a dry run shows what a
draft would do. Every state change is a transition on the locked campaign row with its history
row (who did it). Sending reads the campaign's state under a share lock, so once `campaign_pause`
returns no send of that campaign starts or commits: what is queued waits for the resume."""

from __future__ import annotations

import datetime as dt
import string
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django_fsm import can_proceed

from catalog.models import Offer, SalesChannel
from catalog.policies import money_text, operator_zone
from orders.selectors.audience import lines_matching
from orders.selectors.pricing import offer_price
from orders.services import product_instance_grant
from orders.services.order_steps import OrderError
from selfcare.jobs import job_lease_expired, job_publish_on_commit, job_queue_backlogged
from selfcare.models import Bucket, Customer
from selfcare.services import Outgoing, notifications_send
from selfcare.services.events import BUCKET_THRESHOLDS

from .. import engine
from ..models import (
    Action,
    Campaign,
    CampaignStateChange,
    CampaignTerms,
    CampaignVersion,
    Delivery,
    LinkTo,
    ScheduleRun,
    Trigger,
)
from ..tasks import campaign_schedule_run_task

Outcome = Delivery.Outcome
State = Campaign.State
# What a message may say of her: each replaced by hers when it is sent.
PLACEHOLDERS = ("first_name", "offer", "price", "left", "ends", "balance")
# A queued decision not sent this long after its job was published is taken for a lost job; the
# lease doubles with each publish (selfcare.jobs.job_lease_expired).
SEND_DEADLINE = dt.timedelta(seconds=30)
# What one sweep publishes at most.
SWEEP_LIMIT = 100_000
# Schedule runs not finished this long after they started are run again (deliveries are
# unique, so a second run decides only what the first did not).
RUN_DEADLINE = dt.timedelta(minutes=5)


class CampaignError(Exception):
    """The campaign cannot do that: the message says what to fix. Nothing was changed."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


class ResumePolicy:
    SKIP = "skip"
    CATCH_UP = "catch_up"


TERMS_FIELDS = [
    f.name
    for f in CampaignTerms._meta.get_fields()
    if f.concrete and not f.many_to_many and f.name != "id"
]
TERMS_M2M = ["audience_requires", "audience_excludes", "audience_bought"]


# Checks


def message_problems(text: str) -> list[str]:
    """Unknown or malformed {placeholders} in a message."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return [
            gettext("The message has an unmatched { or }: write {first_name}, not {first_name.")
        ]
    unknown = sorted({n for n in names if n not in PLACEHOLDERS})
    if unknown:
        allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        return [
            gettext("Unknown in the message: %(unknown)s. It may use %(allowed)s.")
            % {"unknown": ", ".join(unknown), "allowed": allowed}
        ]
    return []


def campaign_problems(*, campaign: Campaign, at: dt.datetime | None = None) -> list[str]:
    """Everything that would keep `campaign` from ever sending, said as what to fix; empty when
    it can start. Reads its terms as they are being edited."""
    at = at or timezone.now()
    problems = []
    trigger = campaign.trigger
    if (
        trigger == Trigger.BUCKET_THRESHOLD_CROSSED
        and campaign.threshold_percent not in BUCKET_THRESHOLDS
    ):
        # Formatted (with nothing) so that the catalogue's "%%" comes out as "%".
        problems.append(gettext("Choose the %% used that triggers it: 50, 80 or 100.") % {})
    if trigger == Trigger.BALANCE_LOW:
        ceiling = Decimal(str(settings.LOW_BALANCE_THRESHOLD))
        if campaign.balance_below is not None and not (0 < campaign.balance_below <= ceiling):
            problems.append(
                gettext(
                    "A balance trigger fires below at most %(ceiling)s (the low-balance threshold)."
                )
                % {"ceiling": money_text(ceiling)}
            )
    if trigger == Trigger.SCHEDULE_ONCE:
        if campaign.schedule_at is None:
            problems.append(gettext("Choose when it is sent."))
        elif campaign.schedule_at <= at:
            problems.append(gettext("Its time is in the past: choose a time to come."))
    if trigger == Trigger.SCHEDULE_DAILY and campaign.schedule_time is None:
        problems.append(gettext("Choose the local time it is sent each day."))
    if campaign.cap_messages == 0 or campaign.cap_days == 0:
        problems.append(gettext("Its cap is 0: allow at least 1 message in at least 1 day."))
    if campaign.holdout_percent > 50:
        problems.append(gettext("Hold out at most %(most)s %% of the audience.") % {"most": 50})
    offer = campaign.offer
    if campaign.action in (Action.GRANT, Action.RECOMMEND) and offer is None:
        problems.append(gettext("Choose the offer it grants or recommends."))
    if campaign.action == Action.MESSAGE:
        if not campaign.message.strip():
            problems.append(gettext("Write the message."))
        problems += message_problems(campaign.message)
        if campaign.link_to == LinkTo.OFFER and offer is None:
            problems.append(
                gettext("Choose the offer its link leads to (or link to top-up, or nothing).")
            )
    if offer is not None and offer.status != Offer.Status.PUBLISHED:
        problems.append(
            gettext("%(offer)s is %(status)s, not on sale: choose an offer on sale.")
            % {"offer": offer.name, "status": offer.get_status_display().lower()}
        )
    elif offer is not None and offer.available_until and offer.available_until <= at:
        problems.append(
            gettext("%(offer)s is no longer on sale: choose an offer on sale.")
            % {"offer": offer.name}
        )
    if campaign.pk is not None and not problems and not _audience_exists(campaign, at=at):
        problems.append(
            gettext("No customer with marketing consent is in this audience: widen its rules.")
        )
    return problems


def _audience_exists(campaign: Campaign, *, at: dt.datetime) -> bool:
    lines = lines_matching(
        rules=engine.version_rules(campaign), channel=SalesChannel.PORTAL, at=at
    ).filter(customer__marketing_consent=True)
    if campaign.trigger in Trigger.located():
        lines = lines.filter(customer__location_consent=True)
    return lines.exists()


# Versions and states


def campaign_version_publish(*, campaign: Campaign, user=None) -> CampaignVersion:
    """Freeze `campaign`'s terms as its next version and make it current, in the caller's
    transaction (the campaign locked). Deliveries already decided keep theirs."""
    last = campaign.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = CampaignVersion.objects.create(
        campaign=campaign,
        number=last + 1,
        created_by=user,
        created_by_name=_name(user),
        created_at=timezone.now(),
        **{name: getattr(campaign, name) for name in TERMS_FIELDS},
    )
    for name in TERMS_M2M:
        getattr(version, name).set(getattr(campaign, name).all())
    Campaign.objects.filter(pk=campaign.pk).update(current_version=version)
    campaign.current_version = version
    return version


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _lock(campaign_id: int) -> Campaign:
    return (
        Campaign.objects.select_for_update(no_key=True, of=("self",))
        .select_related("offer")
        .get(pk=campaign_id)
    )


def _record(*, campaign: Campaign, from_state: str, user, note: str = "", at: dt.datetime) -> None:
    campaign.save(update_fields=["state"])
    CampaignStateChange.objects.create(
        campaign=campaign,
        from_state=from_state,
        to_state=campaign.state,
        changed_by=user,
        changed_by_name=_name(user),
        note=note[:255],
        changed_at=at,
    )


def campaign_terms_save(*, campaign: Campaign) -> str:
    """Save an edit of a saved campaign's terms on its locked row, in the caller's transaction,
    leaving its state and version as they are (a Pause pressed while the form was open is not
    undone). Returns its state: a running or paused campaign's edit is then published as its
    next version (`campaign_version_publish`), once its audience sets are saved too."""
    state = (
        Campaign.objects.select_for_update(no_key=True)
        .values_list("state", flat=True)
        .get(pk=campaign.pk)
    )
    fields = [
        f.name
        for f in Campaign._meta.concrete_fields
        if f.name not in ("id", "state", "current_version", "created_at")
    ]
    campaign.save(update_fields=fields)
    return state


@transaction.atomic
def campaign_start(*, campaign_id: int, user=None) -> Campaign:
    """Start a draft: refused with what to fix (CampaignError, nothing written) if it could
    never send; else its terms become version 1 (or the next) and it runs from now."""
    campaign = _lock(campaign_id)
    if not can_proceed(campaign.start):
        raise CampaignError(
            gettext("It is %(state)s: only a draft starts.")
            % {"state": campaign.get_state_display().lower()}
        )
    problems = campaign_problems(campaign=campaign)
    if problems:
        raise CampaignError(problems)
    at = timezone.now()
    version = campaign_version_publish(campaign=campaign, user=user)
    campaign.start()
    _record(campaign=campaign, from_state=State.DRAFT, user=user, at=at, note=f"v{version.number}")
    return campaign


@transaction.atomic
def campaign_pause(*, campaign_id: int, user=None) -> Campaign:
    """Pause a running campaign: nothing more is decided for it, and nothing it queued is sent
    (a send in progress finishes first: this waits for its share lock), until it resumes."""
    campaign = _lock(campaign_id)
    if not can_proceed(campaign.pause):
        raise CampaignError(
            gettext("It is %(state)s: only a running one pauses.")
            % {"state": campaign.get_state_display().lower()}
        )
    campaign.pause()
    _record(campaign=campaign, from_state=State.RUNNING, user=user, at=timezone.now())
    return campaign


@transaction.atomic
def campaign_resume(
    *, campaign_id: int, policy: str, catch_up_hours: int = 0, user=None
) -> Campaign:
    """Resume a paused campaign by `policy`: SKIP drops what it had queued and what happened
    while it was paused; CATCH_UP sends what it had queued and decides the events recorded while
    it was paused, only those no older than `catch_up_hours` (the older ones are stale): never
    a blast of everything overdue."""
    campaign = _lock(campaign_id)
    if not can_proceed(campaign.resume):
        raise CampaignError(
            gettext("It is %(state)s: only a paused one resumes.")
            % {"state": campaign.get_state_display().lower()}
        )
    if policy not in (ResumePolicy.SKIP, ResumePolicy.CATCH_UP):
        raise CampaignError(gettext("Choose to skip what happened while paused, or to catch up."))
    if policy == ResumePolicy.CATCH_UP and not 1 <= catch_up_hours <= 72:
        raise CampaignError(gettext("Catch up between 1 and 72 hours."))
    at = timezone.now()
    paused_at = (
        campaign.state_changes.filter(to_state=State.PAUSED)
        .order_by("-changed_at", "-id")
        .values_list("changed_at", flat=True)
        .first()
    ) or at
    pending = Delivery.objects.filter(campaign=campaign, outcome__in=Delivery.PENDING)
    campaign.resume()
    if policy == ResumePolicy.SKIP:
        skipped = pending.update(
            outcome=Outcome.SKIPPED, reason="Paused; resumed skipping what was waiting."
        )
        note = f"skip ({skipped} waiting dropped)"
    else:
        window = at - dt.timedelta(hours=catch_up_hours)
        stale = pending.filter(decided_at__lt=window).update(
            outcome=Outcome.STALE, reason=f"Older than {catch_up_hours} h at the resume."
        )
        engine.deliveries_publish(
            ids=list(
                pending.filter(outcome=Outcome.QUEUED).order_by("pk").values_list("pk", flat=True)
            ),
            at=at,
        )
        decided = 0
        if campaign.trigger not in Trigger.scheduled():
            decided = engine.events_catch_up(campaign=campaign, since=max(paused_at, window), at=at)
        note = f"catch up {catch_up_hours} h ({stale} stale, {decided} decided)"
    _record(campaign=campaign, from_state=State.PAUSED, user=user, at=at, note=note)
    return campaign


@transaction.atomic
def campaign_end(*, campaign_id: int, user=None) -> Campaign:
    """End a campaign for good: what it had queued is dropped."""
    campaign = _lock(campaign_id)
    if not can_proceed(campaign.end):
        raise CampaignError(gettext("It has ended already."))
    from_state = campaign.state
    campaign.end()
    Delivery.objects.filter(campaign=campaign, outcome__in=Delivery.PENDING).update(
        outcome=Outcome.SKIPPED, reason="The campaign ended."
    )
    _record(campaign=campaign, from_state=from_state, user=user, at=timezone.now())
    return campaign


# Sending


def _states_shared(campaign_ids: set[int]) -> dict[int, str]:
    """The campaigns' states, share-locked until the caller's transaction ends: a pause (which
    takes the row for update) waits for this send to commit, and a send that starts after the
    pause sees it paused."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, state FROM campaigns_campaign WHERE id = ANY(%s) FOR SHARE",
                [sorted(campaign_ids)],
            )
            return dict(cursor.fetchall())
    return dict(Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", "state"))


def campaign_deliveries_send(*, delivery_ids: list[int], at: dt.datetime | None = None) -> int:
    """Carry out queued decisions (those whose quiet hours are over): a message, a grant or a
    recommendation card, each once. Only for running campaigns, read under a share lock; a
    customer who withdrew her consent since gets nothing. Each delivery keeps its version: an
    edit does not change a message on its way. Returns how many were sent.

    Locks in the order pause, resume and end take them, the campaign first and then its
    deliveries, so a send and a resume never wait on each other in a circle."""
    pending = Delivery.objects.filter(pk__in=delivery_ids, outcome__in=Delivery.PENDING)
    with transaction.atomic():
        campaign_ids = set(pending.values_list("campaign_id", flat=True))
        if not campaign_ids:
            return 0
        states = _states_shared(campaign_ids)
        running = [pk for pk, state in states.items() if state == State.RUNNING]
        deliveries = list(
            pending.filter(campaign_id__in=running)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("version__offer", "customer", "event")
            .order_by("pk")
        )
        now = at or timezone.now()
        sent, messaged = 0, []
        for delivery in deliveries:
            if delivery.send_after and delivery.send_after > now:
                continue
            outcome, reason = _carry_out(delivery, now=now)
            delivery.outcome, delivery.reason = outcome, reason or delivery.reason
            if outcome == Outcome.SENT:
                delivery.sent_at = now
                sent += 1
                if delivery.version.message.strip():
                    messaged.append(delivery)
        # The batch's messages written at once (a few queries, not a few per message).
        notifications = notifications_send(
            messages=[_message(delivery) for delivery in messaged], queue=settings.CAMPAIGN_QUEUE
        )
        for delivery, notification in zip(messaged, notifications, strict=True):
            delivery.notification = notification
        Delivery.objects.bulk_update(
            deliveries,
            ["outcome", "reason", "sent_at", "notification", "granted_product_id"],
        )
    return sent


def _carry_out(delivery: Delivery, *, now: dt.datetime) -> tuple[str, str]:
    version = delivery.version
    customer = delivery.customer
    if not customer.marketing_consent:
        return Outcome.NO_CONSENT, "Withdrew her marketing consent before it was sent."
    if version.trigger in Trigger.located() and not customer.location_consent:
        return Outcome.NO_CONSENT, "Withdrew her location consent before it was sent."
    waited = now - delivery.decided_at
    if waited > dt.timedelta(hours=version.stale_after_hours):
        return Outcome.STALE, f"Waited {int(waited.total_seconds() // 3600)} h: too late to send."
    if version.action == Action.GRANT:
        try:
            with transaction.atomic():
                order = product_instance_grant(
                    customer=customer,
                    line_id=delivery.line_id,
                    offer_id=version.offer_id,
                    idempotency_key=f"campaign-delivery-{delivery.pk}",
                    options={},
                )
        except OrderError as exc:
            return Outcome.FAILED, str(exc)[:255]
        delivery.granted_product_id = order.items.values_list(
            "product_instance_id", flat=True
        ).first()
    return Outcome.SENT, ""


def _message(delivery: Delivery) -> Outgoing:
    """The message a delivery sends: its version's text with her context, and a tracked link to
    what it promotes."""
    version = delivery.version
    customer = delivery.customer
    target = None
    if version.link_to == LinkTo.OFFER and version.offer_id:
        target = f"/offers/{version.offer_id}/"
    elif version.link_to == LinkTo.TOP_UP:
        target = "/topup/"
    return Outgoing(
        customer,
        "promotion",
        context={"message": version.message.format_map(message_values(delivery))},
        medium=version.medium or None,
        campaign_id=delivery.campaign_id,
        link_target=target,
        link_offer=version.offer,
    )


def message_values(delivery: Delivery) -> dict[str, str]:
    """What a message's placeholders say for this delivery: her name, the offer and its
    price, and from the event what is left of her allowance, when it ends, her balance."""
    version = delivery.version
    facts = delivery.event.facts if delivery.event is not None else {}
    values = dict.fromkeys(PLACEHOLDERS, "")
    values["first_name"] = delivery.customer.first_name
    if version.offer is not None:
        values["offer"] = version.offer.name
        values["price"] = _money(
            offer_price(offer=version.offer, channel=SalesChannel.PORTAL, options={})
        )
    if "initial" in facts and "used" in facts:
        values["left"] = _quantity(
            max(int(facts["initial"]) - int(facts["used"]), 0), facts.get("unit", "")
        )
    if facts.get("valid_until"):
        ends = dt.datetime.fromisoformat(facts["valid_until"]).astimezone(operator_zone())
        values["ends"] = date_format(ends, "j F")
    if facts.get("balance"):
        values["balance"] = _money(Decimal(facts["balance"]), facts.get("currency", "EUR"))
    return values


def _money(amount: Decimal | None, currency: str = "EUR") -> str:
    return "" if amount is None else money_text(amount, currency)


def _quantity(amount: int, unit: str) -> str:
    if unit == Bucket.Unit.BYTES:
        gb = amount / 1024**3
        return f"{gb:.1f} GB" if gb >= 1 else f"{amount // 1024**2} MB"
    if unit == Bucket.Unit.SECONDS:
        return f"{amount // 60} min"
    if unit == Bucket.Unit.MESSAGES:
        return f"{amount} SMS"
    return str(amount)


@transaction.atomic
def campaign_deliveries_due(*, at: dt.datetime | None = None) -> int:
    """Publish the sending of decisions now due, of running campaigns: those whose quiet hours
    are over (never published yet), and those whose job looks lost, published longer ago than
    their lease (SEND_DEADLINE, doubled with each publish: `job_lease_expired`). Nothing while
    the campaigns queue is in backlog (`job_queue_backlogged`): the jobs it would publish again
    are most likely waiting there. Each is recorded as published now, under a lock skipping rows
    another sweep or a send holds, and published on commit. Returns how many."""
    at = at or timezone.now()
    if job_queue_backlogged(queue=settings.CAMPAIGN_QUEUE):
        return 0
    due = (
        Q(outcome=Outcome.QUIET_HOURS, send_after__lte=at, publishes=0)
        | Q(outcome=Outcome.QUEUED, publishes=0, decided_at__lt=at - SEND_DEADLINE)
        | job_lease_expired(
            at=at, published_at="published_at", publishes="publishes", deadline=SEND_DEADLINE
        )
    )
    ids = list(
        Delivery.objects.filter(campaign__state=State.RUNNING, outcome__in=Delivery.PENDING)
        .filter(due)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    engine.deliveries_publish(ids=ids, at=at)
    return len(ids)


# Schedules


def campaign_schedules_run(*, at: dt.datetime | None = None) -> int:
    """Start the run of every running scheduled campaign due now (once per occurrence: a
    `ScheduleRun` row is written first), and run again those a lost job left unfinished.
    Returns how many runs were published."""
    at = at or timezone.now()
    published = 0
    versions = CampaignVersion.objects.filter(
        campaign__state=State.RUNNING, trigger__in=Trigger.scheduled()
    ).select_related("campaign")
    for version in versions:
        if version.campaign.current_version_id != version.pk:
            continue
        occurrence = engine.schedule_occurrence(version=version, at=at)
        if occurrence is None:
            continue
        with transaction.atomic():
            run, created = ScheduleRun.objects.get_or_create(
                campaign_id=version.campaign_id,
                occurrence=occurrence,
                defaults={"started_at": at},
            )
            lost = run.finished_at is None and run.started_at < at - RUN_DEADLINE
            if created or lost:
                if lost:
                    ScheduleRun.objects.filter(pk=run.pk).update(started_at=at)
                job_publish_on_commit(
                    campaign_schedule_run_task,
                    version.campaign_id,
                    occurrence,
                    queue=settings.CAMPAIGN_QUEUE,
                )
                published += 1
    return published


def campaign_schedule_run(
    *, campaign_id: int, occurrence: str, at: dt.datetime | None = None
) -> int:
    """Decide one run of a scheduled campaign for its whole audience and queue its sends.
    Nothing if the campaign is no longer running. Returns how many decisions were written."""
    at = at or timezone.now()
    campaign = Campaign.objects.get(pk=campaign_id)
    if campaign.state != State.RUNNING or campaign.current_version_id is None:
        return 0
    version = engine.version_get(pk=campaign.current_version_id)
    candidates = engine.schedule_decide(version=version, occurrence=occurrence, at=at)
    with transaction.atomic():
        engine.deliveries_write(candidates=candidates, at=at)
        ScheduleRun.objects.filter(campaign_id=campaign_id, occurrence=occurrence).update(
            finished_at=timezone.now(), decided=len(candidates)
        )
    return len(candidates)


# Dry run


@dataclass
class DryRun:
    """What a campaign would decide: how many per outcome, and ten customers with the reason."""

    counts: Counter = field(default_factory=Counter)
    samples: list[tuple[Customer, str, str]] = field(default_factory=list)
    events: int = 0
    days: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def rows(self) -> list[tuple[str, int]]:
        return [(label, self.counts.get(value, 0)) for value, label in Outcome.choices]


def campaign_dry_run(*, campaign_id: int, days: int = 7, at: dt.datetime | None = None) -> DryRun:
    """Decide `campaign`'s terms as they are being edited against the last `days` days of
    recorded events of its trigger (or its audience now, for a schedule), with the engine that
    decides for real, writing nothing: a version is frozen in a transaction rolled back."""
    at = at or timezone.now()
    result = DryRun(days=days)
    with transaction.atomic():
        campaign = Campaign.objects.get(pk=campaign_id)
        version = engine.version_get(pk=campaign_version_publish(campaign=campaign).pk)
        candidates: list[engine.Candidate] = []
        if version.trigger in Trigger.scheduled():
            candidates = engine.schedule_decide(version=version, occurrence="dry-run", at=at)
        else:
            since = at - dt.timedelta(days=days)
            for events, decided in engine.events_decide(version=version, since=since, at=at):
                result.events += events
                candidates += decided
        result.counts = Counter(c.outcome for c in candidates)
        picked = _samples(candidates)
        names = Customer.objects.in_bulk([c.customer_id for c in picked])
        result.samples = [
            (names[c.customer_id], Outcome(c.outcome).label, c.reason) for c in picked
        ]
        transaction.set_rollback(True)
    return result


def _samples(candidates: list, n: int = 10) -> list:
    """Up to `n` candidates, taking each outcome in turn, so the rare ones are seen too."""
    by_outcome: dict[str, list] = {}
    for c in candidates:
        by_outcome.setdefault(c.outcome, []).append(c)
    picked: list = []
    while len(picked) < n and any(by_outcome.values()):
        for group in by_outcome.values():
            if group and len(picked) < n:
                picked.append(group.pop(0))
    return picked
