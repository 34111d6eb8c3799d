import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from selfcare.services import IngestResult, usage_ingest
from selfcare.services.usage import Rejection

SHOWN_REJECTIONS = 50


def read_batches(stream, *, size: int):
    """(first line number, events) per `size` lines of a JSON Lines stream, read as it comes: a
    file of any size is held one batch at a time. A line that is not JSON is passed on as None
    with its error, for the summary."""
    batch, first, number = [], 1, 0
    for number, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            batch.append(json.loads(text))
        except ValueError:
            batch.append(None)
        if len(batch) >= size:
            yield first, batch
            batch, first = [], number + 1
    if batch:
        yield first, batch


class Command(BaseCommand):
    help = (
        "Rate a network usage file (JSON Lines, one event a line; '-' for stdin), in batches of "
        "one transaction each, and print what was accepted, duplicate and rejected (and why)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the JSON Lines file, or - for standard input")
        parser.add_argument("--batch-size", type=int, default=10_000)

    def handle(self, *args, file, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            stream = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        total, progress = IngestResult(), sys.stderr.isatty()
        started, read = time.monotonic(), 0
        with stream:
            for first, batch in read_batches(stream, size=batch_size):
                result = ingest_batch(batch, first=first)
                total.add(result)
                read += len(batch)
                if progress:
                    rate = read / max(time.monotonic() - started, 1e-6)
                    sys.stderr.write(
                        f"\r{read:,} events: {total.accepted:,} accepted, "
                        f"{total.duplicates:,} duplicates, {len(total.rejected):,} rejected "
                        f"({rate:,.0f}/s)"
                    )
                    sys.stderr.flush()
        if progress:
            sys.stderr.write("\n")
        self.stdout.write(
            f"{total.accepted} accepted, {total.duplicates} duplicates, "
            f"{len(total.rejected)} rejected."
        )
        for rejection in total.rejected[:SHOWN_REJECTIONS]:
            self.stdout.write(
                f"  event {rejection.position}: {rejection.event_id or '(no id)'}: "
                f"{rejection.reason}"
            )
        if len(total.rejected) > SHOWN_REJECTIONS:
            self.stdout.write(f"  … and {len(total.rejected) - SHOWN_REJECTIONS} more.")


def ingest_batch(batch: list, *, first: int) -> IngestResult:
    """One batch through the service; positions in its answer become the event's number in the
    file, and lines that were not JSON are rejected as such."""
    malformed = [
        Rejection(None, "malformed JSON", first + i) for i, e in enumerate(batch) if e is None
    ]
    kept = [(i, e) for i, e in enumerate(batch) if e is not None]
    result = usage_ingest(events=[e for _, e in kept])
    result.rejected = sorted(
        malformed
        + [
            Rejection(r.event_id, r.reason, first + kept[r.position - 1][0])
            for r in result.rejected
        ],
        key=lambda r: r.position,
    )
    return result
