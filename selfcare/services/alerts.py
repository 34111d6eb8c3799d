"""Usage alerts she sets: at which % of an allowance she is told, and how. The settings are
written here (her, or an agent for her, each change in the setting's history); the alerts are
sent by `alerts_send_for_events`, a subscriber of the event log (`selfcare.services.events`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from ..models import (
    AlertSetting,
    AlertSettingChange,
    Bucket,
    DomainEvent,
    Line,
    Notification,
)
from ..said import Saying
from .events import BUCKET_THRESHOLDS
from .messages import Outgoing, notifications_send

# Without a setting of hers: told at 80 % and 100 %, the way she prefers.
DEFAULT_THRESHOLDS = (80, 100)
MEDIUMS = ("", *Notification.Medium.values)


class AlertSettingError(ValueError):
    """What she asked for cannot be set; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class AlertChoice:
    """The alerts in force for a line (or one of its allowances): thresholds and medium ("" for
    her preferred one), and whether they are her own choice or the default."""

    thresholds: tuple[int, ...]
    medium: str
    chosen: bool

    @property
    def on(self) -> bool:
        return bool(self.thresholds)

    @property
    def options(self) -> list[tuple[int, bool]]:
        """Each threshold one may choose, and whether this choice has it."""
        return [(t, t in self.thresholds) for t in BUCKET_THRESHOLDS]


def alert_choice_from(setting: AlertSetting | None) -> AlertChoice:
    """What a setting (or none: the default) means."""
    if setting is None:
        return AlertChoice(DEFAULT_THRESHOLDS, "", chosen=False)
    return AlertChoice(tuple(setting.thresholds), setting.medium, chosen=True)


def alert_setting_clean(*, thresholds, medium: str) -> tuple[list[int], str]:
    """Her choice checked: thresholds among BUCKET_THRESHOLDS (none: no alerts), a known medium
    or "" for her preferred one. Raises AlertSettingError."""
    try:
        chosen = sorted({int(t) for t in thresholds})
    except (TypeError, ValueError) as exc:
        raise AlertSettingError(gettext("Pick the alerts among 50 %, 80 % and 100 %.")) from exc
    if any(t not in BUCKET_THRESHOLDS for t in chosen):
        raise AlertSettingError(gettext("Pick the alerts among 50 %, 80 % and 100 %."))
    if medium not in MEDIUMS:
        raise AlertSettingError(
            gettext("Pick how to be told: SMS, e-mail, in-app, or as you prefer.")
        )
    return chosen, medium


def alert_setting_save(
    *,
    line: Line,
    thresholds,
    medium: str,
    channel: str,
    changed_by=None,
    by_agent: bool = False,
    bucket: Bucket | None = None,
    at: dt.datetime | None = None,
) -> AlertSetting:
    """Set the alerts of `line` (or of one of its allowances, `bucket`): her thresholds and
    medium, checked first (AlertSettingError: nothing changes). Writes a history row with who
    changed it (her, or the agent `changed_by` when `by_agent`) if anything changed. Locks the
    line, so two changes at once are applied one after the other."""
    chosen, medium = alert_setting_clean(thresholds=thresholds, medium=medium)
    if bucket is not None and bucket.line_id != line.pk:
        raise AlertSettingError(gettext("That allowance is not on this line."))
    at = at or timezone.now()
    with transaction.atomic():
        Line.objects.select_for_update(no_key=True).filter(pk=line.pk).first()
        setting, created = AlertSetting.objects.get_or_create(
            line=line, bucket=bucket, defaults={"thresholds": chosen, "medium": medium}
        )
        if not created and (setting.thresholds, setting.medium) == (chosen, medium):
            return setting
        setting.thresholds, setting.medium = chosen, medium
        setting.save(update_fields=["thresholds", "medium", "updated_at"])
        AlertSettingChange.objects.create(
            setting=setting,
            thresholds=chosen,
            medium=medium,
            channel=channel,
            changed_by=changed_by,
            by_agent=by_agent,
            changed_at=at,
        )
    return setting


def alerts_send_for_events(*, events: list[DomainEvent]) -> int:
    """The event log's subscriber: for each allowance crossing a threshold, a `usage_alert`
    message if the alerts in force for it (its own setting, the line's, or the default) include
    that threshold, by their medium or else the one she prefers. Runs in the dispatch's
    transaction, which marks the events dispatched, so each is alerted once. Returns how many
    messages were queued. A fixed number of queries, whatever the number of alerts. Her spend-cap
    warnings go out here too (`limits.spend_cap_alerts_send`)."""
    # Imported here: limits builds on the rating, which this module's package imports first.
    from .limits import spend_cap_alerts_send

    capped = spend_cap_alerts_send(events=events)
    crossed = [e for e in events if e.kind == DomainEvent.Kind.BUCKET_THRESHOLD_CROSSED]
    if not crossed:
        return capped
    settings = {
        (s.line_id, s.bucket_id): s
        for s in AlertSetting.objects.filter(line_id__in={e.line_id for e in crossed})
    }
    # One message per allowance: when one feed takes it past 80 % and 100 % at once, she is told
    # the highest threshold she is alerted at, not "80 % used: 0 MB left" beside "all used".
    alerted: dict[tuple, tuple[DomainEvent, AlertChoice]] = {}
    for event in crossed:
        facts = event.facts
        setting = settings.get((event.line_id, facts.get("bucket_id"))) or settings.get(
            (event.line_id, None)
        )
        choice = alert_choice_from(setting)
        if facts.get("threshold") not in choice.thresholds:
            continue
        key = (event.line_id, facts.get("bucket_id"))
        if key not in alerted or facts["threshold"] > alerted[key][0].facts["threshold"]:
            alerted[key] = (event, choice)
    notifications_send(messages=[_usage_alert(event, choice) for event, choice in alerted.values()])
    return len(alerted) + capped


def _usage_alert(event: DomainEvent, choice: AlertChoice) -> Outgoing:
    """The alert an allowance's crossing sends, by the medium her choice names."""
    facts = event.facts
    return Outgoing(
        event.customer,
        "usage_alert",
        medium=choice.medium or None,
        context={
            "threshold": facts["threshold"],
            # Said in her language when the message is written in it.
            "bucket_name": Saying(facts.get("bucket_said"), facts["bucket_name"]),
            "unit": facts["unit"],
            "remaining": max(facts["initial"] - facts["used"], 0),
            "valid_until": (
                dt.datetime.fromisoformat(facts["valid_until"])
                if facts.get("valid_until")
                else None
            ),
        },
    )
