"""The page cache is gone: drop the triggers that recorded page changes, their functions on
PostgreSQL, and the table they wrote to. The triggers were installed after `migrate` (not by a
migration), so they are found by their name's prefix."""

from django.db import migrations

PREFIX = "pagechange\\_%"


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT event_object_table, trigger_name FROM information_schema.triggers "
                "WHERE event_object_schema = current_schema() AND trigger_name LIKE %s",
                [PREFIX],
            )
            for table, name in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
            cursor.execute(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = current_schema() AND p.proname LIKE %s",
                [PREFIX],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP FUNCTION IF EXISTS "{name}"()')
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s "
                "ESCAPE '\\'",
                [PREFIX],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("selfcare", "0007_page_changes"),
    ]

    operations = [
        migrations.RunPython(drop_triggers, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="PageChange"),
    ]
