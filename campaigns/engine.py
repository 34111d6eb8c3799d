"""The campaign engine: who a running campaign contacts, for each event of its trigger's kind
and each run of its schedule, and why not the others.

Events come from the event log's dispatch (`campaigns_decide_for_events`, a subscriber in
EVENT_SUBSCRIBERS): the running campaigns are indexed by trigger kind (and kept by each process
until one of them changes), the batch's customers' eligibility contexts read in two queries, and
every (campaign, customer, event) is decided in Python by the same rules as offer eligibility;
one COPY and one INSERT write the decisions about each campaign's audience (a customer outside
its audience rules gets no row, as a schedule's SQL never selects her: `keep_outside`). Cost
grows with events and the campaigns their kinds fire, never events x campaigns. Schedules select
their audience in SQL and insert their decisions set-based (`schedule_decide`). A dry run
(`campaign_dry_run`) runs the same decisions, those outside the audience too with their reason,
and writes nothing.

A decision walks these steps, the first that stops her giving the outcome: not in the audience
(counted and explained by a dry run, not written), no consent (marketing; location too for
location triggers), not offerable (owns the offer or cannot buy it), holdout, the campaign's
cap, arbitration (of the campaigns one event fires, only the highest priority contacts her), the
contact budget across all marketing, quiet hours (a message waits for the morning). What is left
is queued, and sent on the `campaigns` queue.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Min, Prefetch
from django.utils import timezone

from catalog.eligibility import (
    AudienceRules,
    CustomerContext,
    offer_audience_rules,
    offer_decide,
    rules_admit,
    rules_reasons,
)
from catalog.models import Offer, SalesChannel
from catalog.policies import operator_zone
from orders.selectors.audience import contexts_build, lines_matching, lines_offerable
from selfcare.jobs import job_publish_on_commit
from selfcare.models import Customer, DomainEvent, Line

from .models import Action, Campaign, CampaignVersion, Delivery, Trigger
from .tasks import campaign_deliveries_send_task

Outcome = Delivery.Outcome
# Decisions carried out per send job: a worker process sends a batch in one transaction.
SEND_CHUNK = 200
# Events decided per pass of a dry run or a catch-up.
EVENT_CHUNK = 1000


def holdout_bucket(*, campaign_id: int, customer_id: int) -> int:
    """0-99, the same for a customer in a campaign every time, spread evenly over customers (a
    multiplicative hash, so SQL computes the same: `holdout_sql`). Below the campaign's
    holdout percentage, she is in its holdout."""
    return ((customer_id * 2654435761 + campaign_id * 40503) % 4294967296) * 100 // 4294967296


def version_rules(version: CampaignVersion) -> AudienceRules:
    """The audience rules of a version (`audience_requires` / `audience_excludes` prefetched)."""
    return AudienceRules(
        statuses=tuple(version.audience_statuses),
        min_tenure_days=version.audience_min_tenure_days,
        plans=tuple(version.audience_plans),
        segments=tuple(version.audience_segments),
        requires=tuple((o.pk, o.name) for o in version.audience_requires.all()),
        excludes=tuple((o.pk, o.name) for o in version.audience_excludes.all()),
        bought=tuple((o.pk, o.name) for o in version.audience_bought.all()),
        bought_days=version.audience_bought_days,
    )


def trigger_matches(*, version: CampaignVersion, event: DomainEvent) -> bool:
    """Whether `event` is what `version`'s trigger waits for (its kind and parameters)."""
    if event.kind != version.trigger:
        return False
    facts = event.facts
    if (
        version.trigger == Trigger.BUCKET_THRESHOLD_CROSSED
        and version.threshold_percent
        and facts.get("threshold") != version.threshold_percent
    ):
        return False
    if version.bucket_unit and facts.get("unit") not in (None, version.bucket_unit):
        return False
    if version.trigger == Trigger.BALANCE_LOW and version.balance_below is not None:
        try:
            if Decimal(str(facts.get("balance"))) >= version.balance_below:
                return False
        except InvalidOperation:
            return False
    if version.place:
        where = facts.get("country") if event.kind == Trigger.ROAMING_STARTED else facts.get("zone")
        if (where or "").upper() != version.place.upper():
            return False
    return not version.trigger_offer_id or facts.get("offer_id") == version.trigger_offer_id


def _trigger_facts(event: DomainEvent) -> tuple:
    """Everything of `event` that `trigger_matches` reads: two events alike in these match the
    same versions."""
    facts = event.facts
    return (
        event.kind,
        facts.get("threshold"),
        facts.get("unit"),
        str(facts.get("balance")),
        facts.get("country"),
        facts.get("zone"),
        facts.get("offer_id"),
    )


def running_versions(*, kinds: Iterable[str]) -> dict[str, list[CampaignVersion]]:
    """The current versions of the running campaigns whose trigger is one of `kinds`, by kind,
    with what deciding needs. On PostgreSQL the versions themselves (terms, audience sets,
    campaign) are kept by this process until a running campaign or its version changes in any
    way (`_running_stamp`: one small query); their offers are read fresh each time (three
    queries), so a retired or changed offer is seen at once."""
    global _running
    stamp = _running_stamp()
    kept = _running
    if stamp is None or kept is None or kept[0] != stamp:
        kept = (stamp, _running_read())
        _running = kept if stamp is not None else None
    wanted = [v for kind in set(kinds) for v in kept[1].get(kind, ())]
    offer_ids = {v.offer_id for v in wanted if v.offer_id}
    offers = (
        Offer.objects.prefetch_related("requires_offers", "excludes_offers").in_bulk(offer_ids)
        if offer_ids
        else {}
    )
    by_kind: dict[str, list[CampaignVersion]] = defaultdict(list)
    for kept_version in wanted:
        # A copy per call: the kept one is shared by every call of this process.
        version = copy.copy(kept_version)
        version.offer = offers.get(version.offer_id) if version.offer_id else None
        by_kind[version.trigger].append(version)
    return by_kind


# (stamp, versions by trigger) of the running event-triggered campaigns, kept by this process.
_running: tuple[tuple, dict[str, list[CampaignVersion]]] | None = None


def _running_stamp() -> tuple | None:
    """What the kept versions depend on: each running campaign and its current version, as the
    row versions PostgreSQL gives them (`xmin` moves with every update of a row, committed or
    one's own), so any change to either reads them again. None elsewhere: nothing is kept."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.xmin::text, v.id, v.xmin::text FROM campaigns_campaign c"
            " LEFT JOIN campaigns_campaignversion v ON v.id = c.current_version_id"
            " WHERE c.state = %s ORDER BY c.id",
            [Campaign.State.RUNNING],
        )
        return tuple(cursor.fetchall())


def _running_read() -> dict[str, list[CampaignVersion]]:
    versions = (
        CampaignVersion.objects.filter(
            campaign__state=Campaign.State.RUNNING, campaign__current_version=F("pk")
        )
        .exclude(trigger__in=Trigger.scheduled())
        .select_related("campaign")
        .prefetch_related("audience_requires", "audience_excludes", "audience_bought")
    )
    by_kind: dict[str, list[CampaignVersion]] = defaultdict(list)
    for version in versions:
        # Its audience rules, made once while it is kept (its copies carry them).
        version.audience_rules = version_rules(version)
        by_kind[version.trigger].append(version)
    return dict(by_kind)


def _version_prefetches() -> list:
    offers = Offer.objects.prefetch_related("requires_offers", "excludes_offers")
    return [
        "audience_requires",
        "audience_excludes",
        "audience_bought",
        Prefetch("offer", queryset=offers),
    ]


# Deciding


@dataclass(slots=True)
class Candidate:
    """One (campaign version, customer, occurrence) to decide."""

    version: CampaignVersion
    customer_id: int
    line_id: int | None
    occurrence: str
    event: DomainEvent | None = None
    outcome: str = ""
    reason: str = ""
    holdout: bool = False
    send_after: dt.datetime | None = None


@dataclass(frozen=True)
class _Person:
    marketing_consent: bool
    location_consent: bool


def quiet_until(*, at: dt.datetime) -> dt.datetime | None:
    """When the quiet hours holding `at` end (the operator's local time), or None outside
    them. CAMPAIGN_QUIET_HOURS is (start hour, end hour), e.g. (21, 9)."""
    start, end = settings.CAMPAIGN_QUIET_HOURS
    zone = operator_zone()
    local = timezone.localtime(at, zone)
    hour = local.hour
    inside = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not inside:
        return None
    day = local.date() if hour < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(end), tzinfo=zone)


def _contacts(*, customer_ids: set[int], since: dt.datetime) -> list[tuple[int, int, dt.datetime]]:
    """(customer, campaign, decided at) of every contact (queued, waiting or sent) of these
    customers since `since`: what caps and the budget count."""
    return list(
        Delivery.objects.filter(
            customer_id__in=customer_ids, decided_at__gte=since, outcome__in=Delivery.CONTACTS
        )
        .order_by()  # counted, not listed: no sort
        .values_list("customer_id", "campaign_id", "decided_at")
    )


def decide(
    *, candidates: list[Candidate], at: dt.datetime, keep_outside: bool = True
) -> list[Candidate]:
    """Give each candidate its outcome and reason (see the module's docstring for the steps),
    reading in a fixed number of queries whatever their number. Candidates of one customer and
    one occurrence compete: only the highest priority contacts her. Those outside a version's
    audience are `not_in_audience` with the reason (a dry run counts and explains them); without
    `keep_outside` they are left out unworded (what is decided for real keeps no row for them)."""
    if not candidates:
        return candidates
    line_ids = {c.line_id for c in candidates if c.line_id is not None}
    contexts = contexts_build(line_ids=line_ids, channel=SalesChannel.PORTAL, at=at)
    people = {
        pk: _Person(marketing, location)
        for pk, marketing, location in Customer.objects.filter(
            pk__in={c.customer_id for c in candidates}
        ).values_list("pk", "marketing_consent", "location_consent")
    }
    longest = max(c.version.cap_days for c in candidates)
    budget_days = settings.CAMPAIGN_CONTACT_BUDGET_DAYS
    since = at - dt.timedelta(days=max(longest, budget_days))
    per_campaign: Counter = Counter()
    per_customer: Counter = Counter()
    budget_since = at - dt.timedelta(days=budget_days)
    # Her recent contacts by (customer, campaign): a campaign's cap reads its own, not all of them.
    contacted: dict[tuple[int, int], list[dt.datetime]] = defaultdict(list)
    for customer_id, campaign_id, decided_at in _contacts(customer_ids=set(people), since=since):
        contacted[(customer_id, campaign_id)].append(decided_at)
        if decided_at >= budget_since:
            per_customer[customer_id] += 1
    # Each version's audience rules (made once by the process that keeps it) and each offer's,
    # read once a call: not once per candidate, nor once per version promoting the same offer.
    rules: dict[int, tuple[AudienceRules, AudienceRules | None]] = {}
    offer_rules: dict[int, AudienceRules] = {}
    for c in candidates:
        version = c.version
        if version.pk not in rules:
            offer = version.offer
            if offer is not None and offer.pk not in offer_rules:
                offer_rules[offer.pk] = offer_audience_rules(offer)
            rules[version.pk] = (
                getattr(version, "audience_rules", None) or version_rules(version),
                offer_rules[offer.pk] if offer is not None else None,
            )
        context = contexts.get(c.line_id)
        person = people.get(c.customer_id)
        c.outcome, c.reason = _screen(
            c,
            context=context,
            person=person,
            rules=rules[version.pk],
            keep_outside=keep_outside,
        )
    if not keep_outside:
        candidates = [c for c in candidates if c.outcome != Outcome.NOT_IN_AUDIENCE]
    # Caps, each campaign's own period.
    for c in candidates:
        if c.outcome:
            continue
        cap_since = at - dt.timedelta(days=c.version.cap_days)
        key = (c.customer_id, c.version.campaign_id)
        if key not in per_campaign:
            per_campaign[key] = sum(1 for at_ in contacted.get(key, ()) if at_ >= cap_since)
        if per_campaign[key] >= c.version.cap_messages:
            c.outcome = Outcome.CAPPED
            c.reason = (
                f"{per_campaign[key]} from this campaign in {c.version.cap_days} days "
                f"(at most {c.version.cap_messages})."
            )
    # Arbitration, then the budget and quiet hours for the winner.
    groups: dict[tuple[int, str], list[Candidate]] = defaultdict(list)
    for c in candidates:
        if not c.outcome:
            groups[(c.customer_id, c.occurrence)].append(c)
    budget = settings.CAMPAIGN_CONTACT_BUDGET
    for (customer_id, _occurrence), group in groups.items():
        group.sort(key=lambda c: (-c.version.priority, c.version.campaign_id))
        winner, *others = group
        for other in others:
            other.outcome = Outcome.ARBITRATED
            other.reason = f"{winner.version.campaign.name} has priority."
        if per_customer[customer_id] >= budget:
            winner.outcome = Outcome.BUDGET
            winner.reason = f"Already {per_customer[customer_id]} in {budget_days} days."
            continue
        per_customer[customer_id] += 1
        per_campaign[(customer_id, winner.version.campaign_id)] += 1
        morning = quiet_until(at=at) if winner.version.quiet_hours else None
        if morning is not None and winner.version.action != Action.GRANT:
            winner.outcome = Outcome.QUIET_HOURS
            winner.reason = "Quiet hours: waits for the morning."
            winner.send_after = morning
        else:
            winner.outcome = Outcome.QUEUED
    return candidates


@dataclass(frozen=True)
class Refusal:
    """Why an offer is not promoted to her: `reasons` she may not buy it, else `owned`."""

    owned: bool = False
    reasons: tuple[str, ...] = ()


def offer_refusal(
    *, offer: Offer, context: CustomerContext, rules: AudienceRules | None = None
) -> Refusal | None:
    """The one rule of what may be promoted to her, for a campaign's decisions and a promotion
    sent by hand alike: nothing she cannot buy (`offer_decide`, its reasons first), nothing she
    owns. None when `offer` may be promoted. `rules` as `offer_decide` takes them."""
    decision = offer_decide(offer=offer, context=context, rules=rules)
    if not decision.eligible:
        return Refusal(reasons=decision.reasons)
    if offer.pk in context.owned_offer_ids:
        return Refusal(owned=True)
    return None


def _screen(
    c: Candidate,
    *,
    context: CustomerContext | None,
    person: _Person | None,
    rules: tuple[AudienceRules, AudienceRules | None],
    keep_outside: bool,
) -> tuple[str, str]:
    """The steps before caps: audience, consent, the offer, the holdout. ('', '') when she
    passes them all. `rules` are the version's and its offer's. Outside the audience, the
    reason is written only if `keep_outside` (else `decide` leaves her out, unworded)."""
    version = c.version
    audience, offer_rules = rules
    if context is None or person is None:
        return Outcome.NOT_IN_AUDIENCE, "No line to speak to."
    if not keep_outside:
        if not rules_admit(rules=audience, context=context):
            return Outcome.NOT_IN_AUDIENCE, ""
    elif reasons := rules_reasons(rules=audience, context=context):
        return Outcome.NOT_IN_AUDIENCE, " ".join(reasons)[:255]
    if not person.marketing_consent:
        return Outcome.NO_CONSENT, "No marketing consent."
    if version.trigger in Trigger.located() and not person.location_consent:
        return Outcome.NO_CONSENT, "No consent to use her location."
    if version.offer is not None:
        refusal = offer_refusal(offer=version.offer, context=context, rules=offer_rules)
        if refusal is not None:
            reason = "Owns it already." if refusal.owned else " ".join(refusal.reasons)
            return Outcome.NOT_OFFERABLE, reason[:255]
    if (
        holdout_bucket(campaign_id=version.campaign_id, customer_id=c.customer_id)
        < version.holdout_percent
        and version.action != Action.GRANT
    ):
        c.holdout = True
        return Outcome.HOLDOUT, f"In the {version.holdout_percent} % holdout."
    return "", ""


# Writing decisions


def deliveries_write(*, candidates: list[Candidate], at: dt.datetime) -> list[int]:
    """Insert the decisions, skipping any (campaign, customer, occurrence) decided before, and
    publish the queued ones' sending on commit (on the campaigns queue). Returns the ids queued
    now. Runs in the caller's transaction.

    On PostgreSQL the rows go through COPY into a staging table and one INSERT ... SELECT ...
    ON CONFLICT DO NOTHING RETURNING, which also says which rows are new and queued: no model
    instance per row, and no read back of the ids (a schedule writes a million rows)."""
    if not candidates:
        return []
    if connection.vendor == "postgresql":
        queued = _deliveries_copy(candidates=candidates, at=at)
    else:
        queued = _deliveries_bulk_create(candidates=candidates, at=at)
    _publish(ids=queued)
    return queued


# What a decision writes (sent_at, the notification and a grant come when it is carried out).
DELIVERY_STAGE = """
CREATE TEMPORARY TABLE IF NOT EXISTS campaigns_delivery_stage (
    campaign_id bigint, version_id bigint, customer_id bigint, line_id bigint, event_id bigint,
    occurrence varchar(40), outcome varchar(16), reason varchar(255), holdout boolean,
    send_after timestamptz
) ON COMMIT DELETE ROWS;
DELETE FROM campaigns_delivery_stage;
COPY campaigns_delivery_stage (
    campaign_id, version_id, customer_id, line_id, event_id, occurrence, outcome, reason,
    holdout, send_after
) FROM STDIN
"""
DELIVERY_INSERT = """
INSERT INTO campaigns_delivery (
    campaign_id, version_id, customer_id, line_id, event_id, occurrence, outcome, reason,
    holdout, decided_at, send_after, published_at, publishes
)
SELECT campaign_id, version_id, customer_id, line_id, event_id, occurrence, outcome, reason,
       holdout, %(at)s, send_after,
       CASE WHEN outcome = %(queued)s THEN %(at)s::timestamptz END,
       CASE WHEN outcome = %(queued)s THEN 1 ELSE 0 END
FROM campaigns_delivery_stage
ON CONFLICT (campaign_id, customer_id, occurrence) DO NOTHING
RETURNING id, outcome
"""


def _deliveries_copy(*, candidates: list[Candidate], at: dt.datetime) -> list[int]:
    create, empty, copy_from = (part.strip() for part in DELIVERY_STAGE.split(";"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(create)
        cursor.execute(empty)
        with cursor.copy(copy_from) as stage:
            for c in candidates:
                stage.write_row(
                    (
                        c.version.campaign_id,
                        c.version.pk,
                        c.customer_id,
                        c.line_id,
                        c.event.pk if c.event is not None else None,
                        c.occurrence,
                        c.outcome,
                        c.reason,
                        c.holdout,
                        c.send_after,
                    )
                )
        cursor.execute(DELIVERY_INSERT, {"at": at, "queued": Outcome.QUEUED})
        return sorted(pk for pk, outcome in cursor.fetchall() if outcome == Outcome.QUEUED)


def _deliveries_bulk_create(*, candidates: list[Candidate], at: dt.datetime) -> list[int]:
    """Elsewhere than PostgreSQL (the embedded SQLite): Django's bulk insert, then the ids of
    the rows queued by this call read back."""
    rows = [
        Delivery(
            campaign_id=c.version.campaign_id,
            version=c.version,
            customer_id=c.customer_id,
            line_id=c.line_id,
            event=c.event,
            occurrence=c.occurrence,
            outcome=c.outcome,
            reason=c.reason,
            holdout=c.holdout,
            decided_at=at,
            send_after=c.send_after,
            published_at=at if c.outcome == Outcome.QUEUED else None,
            publishes=1 if c.outcome == Outcome.QUEUED else 0,
        )
        for c in candidates
    ]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    occurrences = {c.occurrence for c in candidates if c.outcome == Outcome.QUEUED}
    if not occurrences:
        return []
    return list(
        Delivery.objects.filter(
            occurrence__in=occurrences,
            decided_at=at,
            outcome=Outcome.QUEUED,
            campaign_id__in={c.version.campaign_id for c in candidates},
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def deliveries_publish(*, ids: list[int], at: dt.datetime) -> None:
    """Publish the sending of `ids` on commit, SEND_CHUNK a job, on the campaigns queue, and
    record on each that its job was published (once more) at `at`, which starts its lease
    (`campaign_deliveries_due`). Runs in the caller's transaction."""
    for start in range(0, len(ids), RECORD_CHUNK):
        Delivery.objects.filter(pk__in=ids[start : start + RECORD_CHUNK]).update(
            published_at=at, publishes=F("publishes") + 1
        )
    _publish(ids=ids)


# Ids per UPDATE recording a publish: well below a query's parameter limit.
RECORD_CHUNK = 10_000


def _publish(*, ids: list[int]) -> None:
    for start in range(0, len(ids), SEND_CHUNK):
        job_publish_on_commit(
            campaign_deliveries_send_task,
            ids[start : start + SEND_CHUNK],
            queue=settings.CAMPAIGN_QUEUE,
        )


# Events


def _main_lines(customer_ids: set[int]) -> dict[int, int]:
    """Each customer's main line (her first permanent one) for events about her, not a line."""
    return dict(
        Line.objects.filter(customer_id__in=customer_ids, temporary=False)
        .values("customer_id")
        .annotate(first=Min("pk"))
        .values_list("customer_id", "first")
    )


def event_candidates(
    *, events: list[DomainEvent], versions: dict[str, list[CampaignVersion]]
) -> list[Candidate]:
    """A candidate per (running version, event) whose trigger the event matches. Events alike
    in what a trigger reads (`_trigger_facts`) are matched once: a batch of 10,000 allowance
    crossings has a handful of kinds, thresholds and units, not 10,000."""
    matching: dict[tuple, list[CampaignVersion]] = {}
    pairs = []
    for e in events:
        facts = _trigger_facts(e)
        if facts not in matching:
            matching[facts] = [
                v for v in versions.get(e.kind, ()) if trigger_matches(version=v, event=e)
            ]
        pairs += [(v, e) for v in matching[facts]]
    if not pairs:
        return []
    mains = _main_lines({e.customer_id for _v, e in pairs if e.line_id is None})
    return [
        Candidate(
            version=v,
            customer_id=e.customer_id,
            line_id=e.line_id or mains.get(e.customer_id),
            occurrence=f"event:{e.pk}",
            event=e,
        )
        for v, e in pairs
    ]


def campaigns_decide_for_events(*, events: list[DomainEvent]) -> int:
    """The event log's subscriber: decide every running campaign the events fire, in the
    dispatch's transaction, and queue what is to be sent on commit. Returns how many decisions
    were written."""
    versions = running_versions(kinds={e.kind for e in events})
    if not versions:
        return 0
    at = timezone.now()
    candidates = decide(
        candidates=event_candidates(events=events, versions=versions), at=at, keep_outside=False
    )
    deliveries_write(candidates=candidates, at=at)
    return len(candidates)


def version_get(*, pk: int) -> CampaignVersion:
    """One version with what deciding needs (its campaign, offer and audience sets)."""
    return (
        CampaignVersion.objects.select_related("campaign")
        .prefetch_related(*_version_prefetches())
        .get(pk=pk)
    )


def events_decide(
    *,
    version: CampaignVersion,
    since: dt.datetime,
    at: dt.datetime,
    keep_outside: bool = True,
) -> Iterator[tuple[int, list[Candidate]]]:
    """Decide `version` alone against the events of its trigger recorded since `since`,
    EVENT_CHUNK at a time: yields (events read, their decisions) per chunk, writing nothing."""
    events = DomainEvent.objects.filter(kind=version.trigger, recorded_at__gte=since).order_by("pk")
    last = 0
    while chunk := list(events.filter(pk__gt=last)[:EVENT_CHUNK]):
        last = chunk[-1].pk
        candidates = event_candidates(events=chunk, versions={version.trigger: [version]})
        yield len(chunk), decide(candidates=candidates, at=at, keep_outside=keep_outside)


def events_catch_up(*, campaign: Campaign, since: dt.datetime, at: dt.datetime) -> int:
    """Decide the events of `campaign`'s trigger recorded since `since` (its pause), for a
    resume that catches up. Returns how many decisions were written."""
    written = 0
    version = version_get(pk=campaign.current_version_id)
    for _events, candidates in events_decide(
        version=version, since=since, at=at, keep_outside=False
    ):
        deliveries_write(candidates=candidates, at=at)
        written += len(candidates)
    return written


# Schedules


def schedule_occurrence(*, version: CampaignVersion, at: dt.datetime) -> str | None:
    """The occurrence of `version`'s schedule due at `at`, or None when none is due: `once`
    from its time on; `YYYY-MM-DD` for a daily one from its local time on that day."""
    if version.trigger == Trigger.SCHEDULE_ONCE:
        if version.schedule_at is not None and version.schedule_at <= at:
            return "schedule:once"
        return None
    if version.trigger == Trigger.SCHEDULE_DAILY and version.schedule_time is not None:
        local = timezone.localtime(at, operator_zone())
        if local.time() >= version.schedule_time:
            return f"schedule:{local.date().isoformat()}"
    return None


def schedule_audience(*, version: CampaignVersion, at: dt.datetime) -> dict[int, tuple[int, bool]]:
    """The customers a scheduled version speaks to, each with the line it speaks to (her first
    permanent line inside the rules) and her marketing consent, in one query."""
    return {
        customer_id: (line_id, consent)
        for customer_id, consent, line_id in _audience_lines(version=version, at=at)
        .values("customer_id", "customer__marketing_consent")
        .annotate(first=Min("pk"))
        .values_list("customer_id", "customer__marketing_consent", "first")
    }


def _audience_lines(*, version: CampaignVersion, at: dt.datetime):
    return lines_matching(rules=version_rules(version), channel=SalesChannel.PORTAL, at=at).filter(
        temporary=False
    )


def schedule_decide(
    *, version: CampaignVersion, occurrence: str, at: dt.datetime
) -> list[Candidate]:
    """Decide a scheduled version's run for its whole audience, set-based: the audience, her
    consent and whether the offer is hers to buy in SQL, then holdout, caps, the budget and
    quiet hours in memory over rows read once (no query per customer, and no list of a million
    ids sent back to the database). Arbitration is for campaigns one event fires together; a
    schedule competes only through the budget."""
    audience = schedule_audience(version=version, at=at)
    offerable = None
    if version.offer is not None:
        # The audience's lines as a subquery: the same lines, without binding their ids.
        offerable = set(
            lines_offerable(offer=version.offer, channel=SalesChannel.PORTAL, at=at)
            .filter(pk__in=_audience_lines(version=version, at=at).values("pk"))
            .values_list("pk", flat=True)
        )
    budget_days = settings.CAMPAIGN_CONTACT_BUDGET_DAYS
    budget_spent = dict(
        Delivery.objects.filter(
            decided_at__gte=at - dt.timedelta(days=budget_days), outcome__in=Delivery.CONTACTS
        )
        .values("customer_id")
        .annotate(n=Count("pk"))
        .values_list("customer_id", "n")
    )
    capped = dict(
        Delivery.objects.filter(
            campaign_id=version.campaign_id,
            decided_at__gte=at - dt.timedelta(days=version.cap_days),
            outcome__in=Delivery.CONTACTS,
        )
        .values("customer_id")
        .annotate(n=Count("pk"))
        .values_list("customer_id", "n")
    )
    budget = settings.CAMPAIGN_CONTACT_BUDGET
    morning = quiet_until(at=at) if version.quiet_hours else None
    candidates = []
    for customer_id, (line_id, consent) in audience.items():
        c = Candidate(
            version=version, customer_id=customer_id, line_id=line_id, occurrence=occurrence
        )
        if not consent:
            c.outcome, c.reason = Outcome.NO_CONSENT, "No marketing consent."
        elif offerable is not None and line_id not in offerable:
            c.outcome, c.reason = Outcome.NOT_OFFERABLE, "Owns the offer or cannot buy it."
        elif version.action != Action.GRANT and (
            holdout_bucket(campaign_id=version.campaign_id, customer_id=customer_id)
            < version.holdout_percent
        ):
            c.holdout = True
            c.outcome, c.reason = Outcome.HOLDOUT, f"In the {version.holdout_percent} % holdout."
        elif capped.get(customer_id, 0) >= version.cap_messages:
            c.outcome, c.reason = Outcome.CAPPED, "Campaign cap reached."
        elif budget_spent.get(customer_id, 0) >= budget:
            c.outcome, c.reason = Outcome.BUDGET, f"Already {budget} in {budget_days} days."
        elif morning is not None and version.action != Action.GRANT:
            c.outcome, c.reason = Outcome.QUIET_HOURS, "Quiet hours: waits for the morning."
            c.send_after = morning
        else:
            c.outcome = Outcome.QUEUED
        candidates.append(c)
    return candidates
