"""Set-based rating on PostgreSQL: the same draws as `usage_rate_reference`, in a few statements
per batch instead of a round trip per event.

The batch is copied into a temporary table; the accounts and lines it touches are locked in id
order; ids seen before are deleted from it. A line's allowances only change which events they
may serve at their start or end, so for a line whose events in the batch all fall between two
such moments, the eligible allowances are the same for every event, and drawing events in time
order from allowances in draw order is an overlap of running sums: event e takes
[e_start, e_end) of its line's demand, allowance b offers [b_start, b_end) of its supply, and e
draws the overlap from b. Service-only allowances (TV, VoD data) serve one service, so they are
drawn first per service, and what they leave is drawn from general allowances per unit. The few
lines whose batch straddles an allowance's start or end are rated by the reference path.
"""

from __future__ import annotations

from django.db import connection

from .usage import (
    BucketChange,
    IngestResult,
    UsageEvent,
    out_of_bundle_add,
    usage_rate_write,
)

STAGE = """
CREATE TEMPORARY TABLE usage_stage (
    seq integer NOT NULL, event_id varchar(64) NOT NULL, line_id bigint NOT NULL,
    service varchar(10) NOT NULL, unit varchar(10) NOT NULL, quantity bigint NOT NULL,
    at timestamptz NOT NULL, country varchar(2) NOT NULL, zone varchar(32) NOT NULL
) ON COMMIT DROP
"""

LOCK = """
SELECT count(*) FROM (
    SELECT a.id FROM selfcare_account a
    WHERE a.customer_id IN (
        SELECT l.customer_id FROM selfcare_line l
        WHERE l.id IN (SELECT line_id FROM usage_stage)
    )
    ORDER BY a.id FOR NO KEY UPDATE
) accounts;
SELECT count(*) FROM (
    SELECT id FROM selfcare_line WHERE id IN (SELECT line_id FROM usage_stage)
    ORDER BY id FOR NO KEY UPDATE
) lines
"""

# The batch's ids looked up in the unique index, one by one: a join would let the planner scan
# the whole usage table for every batch, a cost growing with the history (measured: 94 ms a batch
# at 500,000 records, against 30 ms for the look-ups).
SEEN = """
DELETE FROM usage_stage WHERE event_id IN (
    SELECT u.event_id FROM selfcare_usagerecord u
    WHERE u.event_id = ANY(ARRAY(SELECT event_id FROM usage_stage))
)
"""

STRADDLING = """
WITH span AS (SELECT line_id, min(at) lo, max(at) hi FROM usage_stage GROUP BY line_id)
SELECT DISTINCT span.line_id FROM span JOIN selfcare_bucket b ON b.line_id = span.line_id
WHERE NOT b.suspended AND (
    (b.valid_from > span.lo AND b.valid_from <= span.hi)
    OR (b.valid_until > span.lo AND b.valid_until <= span.hi)
)
"""

# The events that may move a line to another country or zone, for the event log: the first and
# last of each line's events, and those whose country or (given) zone differ from the one before.
LOCATED = """
SELECT seq FROM (
    SELECT seq, country, zone, lag(country) OVER w AS prev_country, lag(zone) OVER w AS prev_zone,
           lead(seq) OVER w AS next_seq
    FROM usage_stage WINDOW w AS (PARTITION BY line_id ORDER BY at, seq)
) s
WHERE prev_country IS NULL OR next_seq IS NULL OR country <> prev_country
   OR (zone <> '' AND zone <> prev_zone)
"""

LOCK_BUCKETS = """
SELECT count(*) FROM (
    SELECT id FROM selfcare_bucket WHERE line_id IN (SELECT line_id FROM usage_stage)
    ORDER BY id FOR NO KEY UPDATE
) buckets
"""

DRAW = """
CREATE TEMPORARY TABLE usage_draw ON COMMIT DROP AS
WITH span AS (SELECT line_id, min(at) lo FROM usage_stage GROUP BY line_id),
pool AS (
    SELECT b.id AS bucket_id, b.line_id, b.unit, b.scope,
           sum(b.initial - b.used) OVER w - (b.initial - b.used) AS b_start,
           sum(b.initial - b.used) OVER w AS b_end
    FROM selfcare_bucket b JOIN span ON span.line_id = b.line_id
    WHERE NOT b.suspended AND b.used < b.initial AND b.valid_from <= span.lo
      AND (b.valid_until IS NULL OR b.valid_until > span.lo)
    WINDOW w AS (PARTITION BY b.line_id, b.unit, b.scope
                 ORDER BY b.valid_until ASC NULLS LAST, b.id)
),
own AS (
    SELECT seq, line_id, service,
           sum(quantity) OVER v - quantity AS e_start, sum(quantity) OVER v AS e_end
    FROM usage_stage WHERE service IN ('tv', 'vod')
    WINDOW v AS (PARTITION BY line_id, service ORDER BY at, seq)
),
own_draw AS (
    SELECT o.seq, p.bucket_id, least(o.e_end, p.b_end) - greatest(o.e_start, p.b_start) AS q
    FROM own o JOIN pool p ON p.line_id = o.line_id AND p.unit = 'bytes'
     AND p.scope = o.service AND p.b_start < o.e_end AND o.e_start < p.b_end
),
rest AS (
    SELECT s.seq, s.line_id, s.unit, s.at, s.quantity - coalesce(d.q, 0) AS q
    FROM usage_stage s LEFT JOIN (SELECT seq, sum(q) AS q FROM own_draw GROUP BY seq) d
    USING (seq)
),
general AS (
    SELECT seq, line_id, unit, sum(q) OVER v - q AS e_start, sum(q) OVER v AS e_end
    FROM rest WHERE q > 0
    WINDOW v AS (PARTITION BY line_id, unit ORDER BY at, seq)
),
general_draw AS (
    SELECT g.seq, p.bucket_id, least(g.e_end, p.b_end) - greatest(g.e_start, p.b_start) AS q
    FROM general g JOIN pool p ON p.line_id = g.line_id AND p.unit = g.unit
     AND p.scope = 'general' AND p.b_start < g.e_end AND g.e_start < p.b_end
)
SELECT seq, bucket_id, q::bigint AS q FROM own_draw
UNION ALL SELECT seq, bucket_id, q::bigint FROM general_draw
"""

DRAW_BUCKETS = """
UPDATE selfcare_bucket b SET used = b.used + d.q
FROM (SELECT bucket_id, sum(q)::bigint AS q FROM usage_draw GROUP BY bucket_id) d
WHERE b.id = d.bucket_id
RETURNING b.id, b.line_id, d.q, b.used, b.initial
"""

RECORD = """
WITH written AS (
    INSERT INTO selfcare_usagerecord (line_id, event_id, service, quantity, unit, at, country,
                                      zone, rated_against, out_of_bundle, created_at)
    SELECT s.line_id, s.event_id, s.service, s.quantity, s.unit, s.at, s.country, s.zone,
           coalesce(d.rated, '{}'::jsonb), s.quantity - coalesce(d.drawn, 0), now()
    FROM usage_stage s LEFT JOIN (
        SELECT seq, jsonb_object_agg(bucket_id, q) AS rated, sum(q) AS drawn
        FROM usage_draw GROUP BY seq
    ) d USING (seq)
    RETURNING line_id, unit, out_of_bundle
)
SELECT line_id, unit, sum(out_of_bundle)::bigint, count(*) FROM written GROUP BY line_id, unit
"""


def usage_rate_set_based(*, events: list[UsageEvent], result: IngestResult) -> None:
    """Rate `events` (valid, distinct ids) into `result`, inside the caller's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(STAGE)
        with cursor.copy(
            "COPY usage_stage (seq, event_id, line_id, service, unit, quantity, at, country, zone)"
            " FROM STDIN"
        ) as copy:
            for e in events:
                copy.write_row(
                    (e.seq, e.event_id, e.line_id, e.service, e.unit, e.quantity, e.at,
                     e.country, e.zone)
                )  # fmt: skip
        cursor.execute("ANALYZE usage_stage")
        for statement in LOCK.split(";"):
            cursor.execute(statement)
        cursor.execute(SEEN)
        result.duplicates += cursor.rowcount
        cursor.execute(STRADDLING)
        straddling = [row[0] for row in cursor.fetchall()]
        if straddling:
            cursor.execute(
                "DELETE FROM usage_stage WHERE line_id = ANY(%s) RETURNING seq", [straddling]
            )
            seqs = {row[0] for row in cursor.fetchall()}
            usage_rate_write(events=[e for e in events if e.seq in seqs], result=result)
        cursor.execute(LOCATED)
        result.located.update(row[0] for row in cursor.fetchall())
        cursor.execute(LOCK_BUCKETS)
        cursor.execute(DRAW)
        cursor.execute(DRAW_BUCKETS)
        for bucket_id, line_id, drawn, used, initial in cursor.fetchall():
            result.buckets[bucket_id] = BucketChange(bucket_id, line_id, drawn, used, initial)
        cursor.execute(RECORD)
        for line_id, unit, out_of_bundle, count in cursor.fetchall():
            result.accepted += count
            out_of_bundle_add(result=result, line_id=line_id, unit=unit, quantity=out_of_bundle)
        cursor.execute("DROP TABLE usage_draw; DROP TABLE usage_stage")
