"""Give every message written before status history was kept its history: `queued` when it was
written and, for one already sent or given up, that change (sent at `sent_at`; given up after its
last attempt, with its error)."""

from django.db import migrations

BATCH = 2000


def backfill(apps, schema_editor):
    Notification = apps.get_model("selfcare", "Notification")
    NotificationStatusChange = apps.get_model("selfcare", "NotificationStatusChange")
    rows = []
    messages = Notification.objects.filter(status_changes__isnull=True).order_by("pk")
    for pk, status, error, created_at, sent_at, last_attempt_at in messages.values_list(
        "pk", "status", "error", "created_at", "sent_at", "last_attempt_at"
    ).iterator(chunk_size=BATCH):
        rows.append(
            NotificationStatusChange(notification_id=pk, to_status="queued", changed_at=created_at)
        )
        if status == "sent":
            rows.append(
                NotificationStatusChange(
                    notification_id=pk,
                    from_status="queued",
                    to_status="sent",
                    changed_at=sent_at or created_at,
                )
            )
        elif status == "failed":
            rows.append(
                NotificationStatusChange(
                    notification_id=pk,
                    from_status="queued",
                    to_status="failed",
                    note=error,
                    changed_at=last_attempt_at or created_at,
                )
            )
        if len(rows) >= BATCH:
            NotificationStatusChange.objects.bulk_create(rows)
            rows = []
    NotificationStatusChange.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("selfcare", "0010_notification_status_history"),
    ]

    # Going back drops the history table (0010) with these rows in it.
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
