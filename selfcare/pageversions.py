"""Database triggers that record a `PageChange` whenever a table a portal page reads is written,
in the same transaction as the write.

Each app names the tables its pages read with `watch(table, scope=...)` in its AppConfig.ready,
where `scope` is an SQL expression for the customer id (or `PageChange.CATALOG`) of the row
`{row}`: `{row}.customer_id`, or a subquery through its parent. After each `migrate` the
database's triggers are made to match (`triggers_install`, a post_migrate receiver), so a new
watch takes effect and a table rebuilt by a migration is watched again. A write records a change
for each customer whose rows it touched; an update for the old and the new customer.

Writers only insert: rows of different transactions never wait for each other, so the triggers
add no lock that could deadlock with the services' own. On PostgreSQL a statement records one
row per customer it touched, however many rows it wrote (statement triggers over the transition
tables); SQLite, with one writer at a time, records one per row."""

from __future__ import annotations

from dataclasses import dataclass

TABLE = "selfcare_pagechange"
PREFIX = "pagechange_"
EVENTS = ("insert", "update", "delete")


@dataclass(frozen=True)
class Watch:
    table: str
    scope: str  # SQL over {row}: the customer id, or the catalog's scope


_watches: dict[str, Watch] = {}


def watch(table: str, *, scope: str) -> None:
    """Record a page change for `scope` on every write to `table` (from the next `migrate`)."""
    _watches[table] = Watch(table, scope)


def watches() -> list[Watch]:
    return sorted(_watches.values(), key=lambda w: w.table)


# --- PostgreSQL -------------------------------------------------------------------------------


def _postgresql_function(w: Watch) -> str:
    def scopes(rows: str) -> str:
        return f"SELECT {w.scope.format(row='r')} AS scope FROM {rows} r"

    def record(select: str) -> str:
        return (
            f"INSERT INTO {TABLE} (scope, weight, created_at) "
            f"SELECT DISTINCT scope, 1, now() FROM ({select}) s WHERE scope IS NOT NULL;"
        )

    return f"""
        CREATE OR REPLACE FUNCTION {PREFIX}{w.table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {record(scopes("new_rows"))}
            ELSIF TG_OP = 'UPDATE' THEN
                {record(f"{scopes('new_rows')} UNION {scopes('old_rows')}")}
            ELSE
                {record(scopes("old_rows"))}
            END IF;
            RETURN NULL;
        END $$
    """


def _postgresql_trigger(table: str, event: str) -> str:
    rows = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }[event]
    return (
        f"CREATE TRIGGER {PREFIX}{table}_{event} AFTER {event.upper()} ON {table} "
        f"REFERENCING {rows} FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}{table}()"
    )


def _postgresql_install(cursor, watched: list[Watch], tables: set[str]) -> None:
    """Replace the functions (no lock on any table); create only the triggers that are missing
    and drop only those of tables no longer watched, so a `migrate` with nothing new to watch
    locks no busy table. A short lock timeout: never queue the portal behind a long transaction."""
    cursor.execute(
        "SELECT event_object_table, trigger_name FROM information_schema.triggers "
        "WHERE event_object_schema = current_schema() AND trigger_name LIKE %s",
        [f"{PREFIX.replace('_', chr(92) + '_')}%"],
    )
    existing = {(table, name) for table, name in cursor.fetchall()}
    wanted = {
        (w.table, f"{PREFIX}{w.table}_{event}")
        for w in watched
        if w.table in tables
        for event in EVENTS
    }
    cursor.execute("SET LOCAL lock_timeout = '5s'")
    for table, name in sorted(existing - wanted):
        cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for w in watched:
        if w.table in tables:
            cursor.execute(_postgresql_function(w))
    for table, name in sorted(wanted - existing):
        cursor.execute(_postgresql_trigger(table, name.removeprefix(f"{PREFIX}{table}_")))


# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_record(expression: str, *, unless: str | None = None) -> str:
    condition = f"{expression} IS NOT NULL" + (f" AND {unless}" if unless else "")
    return (
        f"INSERT INTO {TABLE} (scope, weight, created_at) "
        f"SELECT {expression}, 1, strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE {condition};"
    )


def _sqlite_triggers(w: Watch) -> list[str]:
    name = f"{PREFIX}{w.table}"
    old, new = w.scope.format(row="OLD"), w.scope.format(row="NEW")
    moved = _sqlite_record(old, unless=f"{old} IS NOT {new}")
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {w.table} BEGIN {_sqlite_record(new)} END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {w.table} "
        f"BEGIN {_sqlite_record(new)} {moved} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {w.table} BEGIN {_sqlite_record(old)} END",
    ]


def _sqlite_drop_all(cursor) -> None:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s ESCAPE '\\'",
        [f"{PREFIX.replace('_', chr(92) + '_')}%"],
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def _sqlite_install(cursor, watched: list[Watch], tables: set[str]) -> None:
    _sqlite_drop_all(cursor)
    for w in watched:
        if w.table in tables:
            for statement in _sqlite_triggers(w):
                cursor.execute(statement)


# --- Both ---------------------------------------------------------------------------------------


def triggers_install(*, using: str = "default", **kwargs) -> None:
    """Make the database's triggers match the watched tables (a post_migrate receiver)."""
    from django.db import connections, transaction

    connection = connections[using]
    install = {"postgresql": _postgresql_install, "sqlite": _sqlite_install}.get(connection.vendor)
    if install is None:
        raise NotImplementedError(f"No page-change triggers for {connection.vendor}.")
    tables = set(connection.introspection.table_names())
    if TABLE not in tables:  # migrated back to before page changes: nothing may write to it
        tables = set()
    with transaction.atomic(using=using), connection.cursor() as cursor:
        install(cursor, watches(), tables)


def triggers_drop_before_migrate(*, using: str = "default", **kwargs) -> None:
    """Drop SQLite's triggers before its migrations run (a pre_migrate receiver). SQLite rebuilds
    a table for most column changes, by renaming a new table into its place, and refuses while
    a trigger reads the table (a bucket's trigger reads its line). They are made again after."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            _sqlite_drop_all(cursor)


def watched_tables(connection) -> set[str]:
    """The tables whose writes record a page change, as the database's triggers say."""
    pattern = f"{PREFIX.replace('_', chr(92) + '_')}%"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT event_object_table FROM information_schema.triggers "
                "WHERE event_object_schema = current_schema() AND trigger_name LIKE %s",
                [pattern],
            )
        else:
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE %s ESCAPE '\\'",
                [pattern],
            )
        return {table for (table,) in cursor.fetchall()}
