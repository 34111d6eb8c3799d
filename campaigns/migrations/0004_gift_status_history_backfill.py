"""Give every gift written before status history was kept its history: `sent` when it was
written and, for one already settled, the change to `accepted` or `returned` when it settled."""

from django.db import migrations

BATCH = 2000


def backfill(apps, schema_editor):
    Gift = apps.get_model("campaigns", "Gift")
    GiftStatusChange = apps.get_model("campaigns", "GiftStatusChange")
    rows = []
    gifts = Gift.objects.filter(status_changes__isnull=True).order_by("pk")
    for pk, status, created_at, settled_at in gifts.values_list(
        "pk", "status", "created_at", "settled_at"
    ).iterator(chunk_size=BATCH):
        rows.append(GiftStatusChange(gift_id=pk, to_status="sent", changed_at=created_at))
        if status != "sent":
            note = "Not accepted within 7 days" if status == "returned" else ""
            rows.append(
                GiftStatusChange(
                    gift_id=pk,
                    from_status="sent",
                    to_status=status,
                    note=note,
                    changed_at=settled_at or created_at,
                )
            )
        if len(rows) >= BATCH:
            GiftStatusChange.objects.bulk_create(rows)
            rows = []
    GiftStatusChange.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_gift_status_history"),
    ]

    # Going back drops the history table (0003) with these rows in it.
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
