"""Database triggers that record a `PageChange` whenever a table a portal page reads is written,
in the same transaction as the write.

Each app names the tables its pages read with `watch(table, scope=...)` in its AppConfig.ready,
where `scope` is an SQL expression for the customer id (or `PageChange.CATALOG`) of the row
`{row}`: `{row}.customer_id`, or a subquery through its parent. `triggers_install` makes every
trigger again after each `migrate`, so a migration that rebuilds a table (SQLite does, for most
column changes) never leaves it unwatched, and a changed watch takes effect. An insert or delete
records a change for the row's customer; an update for the old and the new customer.

Writers only insert: rows of different transactions never wait for each other, so the triggers
add no lock that could deadlock with the services' own."""

from __future__ import annotations

from dataclasses import dataclass

TABLE = "selfcare_pagechange"
PREFIX = "pagechange_"
CATALOG = 0  # PageChange.CATALOG, without importing models before the apps are ready


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


def _postgresql(w: Watch) -> list[str]:
    name = f"{PREFIX}{w.table}"
    old, new = w.scope.format(row="OLD"), w.scope.format(row="NEW")
    return [
        f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            old_scope bigint;
            new_scope bigint;
        BEGIN
            IF TG_OP <> 'INSERT' THEN old_scope := {old}; END IF;
            IF TG_OP <> 'DELETE' THEN new_scope := {new}; END IF;
            INSERT INTO {TABLE} (scope, weight, created_at)
            SELECT DISTINCT scope, 1, now() FROM (VALUES (old_scope), (new_scope)) AS s(scope)
            WHERE scope IS NOT NULL;
            RETURN NULL;
        END $$
        """,
        f"""
        CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {w.table}
        FOR EACH ROW EXECUTE FUNCTION {name}()
        """,
    ]


def _sqlite_record(expression: str, *, unless: str | None = None) -> str:
    condition = f"{expression} IS NOT NULL" + (f" AND {unless}" if unless else "")
    return (
        f"INSERT INTO {TABLE} (scope, weight, created_at) "
        f"SELECT {expression}, 1, strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE {condition};"
    )


def _sqlite(w: Watch) -> list[str]:
    name = f"{PREFIX}{w.table}"
    old, new = w.scope.format(row="OLD"), w.scope.format(row="NEW")
    moved = _sqlite_record(old, unless=f"{old} IS NOT {new}")
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {w.table} BEGIN {_sqlite_record(new)} END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {w.table} "
        f"BEGIN {_sqlite_record(new)} {moved} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {w.table} BEGIN {_sqlite_record(old)} END",
    ]


def _drop(connection, table: str) -> list[str]:
    name = f"{PREFIX}{table}"
    if connection.vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]
    return [f"DROP TRIGGER IF EXISTS {name}_{event}" for event in ("insert", "update", "delete")]


def triggers_install(*, using: str = "default", **kwargs) -> None:
    """Make the database's triggers exactly the watched tables' (a post_migrate receiver): each
    watched table's made again as its watch says now, any other's dropped."""
    from django.db import connections, transaction

    connection = connections[using]
    make = {"postgresql": _postgresql, "sqlite": _sqlite}.get(connection.vendor)
    if make is None:
        raise NotImplementedError(f"No page-change triggers for {connection.vendor}.")
    tables = set(connection.introspection.table_names())
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for table in watched_tables(connection):
            for statement in _drop(connection, table):
                cursor.execute(statement)
        if TABLE not in tables:  # migrated back to before page changes
            return
        for w in watches():
            if w.table in tables:
                for statement in make(w):
                    cursor.execute(statement)


def watched_tables(connection) -> set[str]:
    """The tables whose writes record a page change, as the database's triggers say."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT event_object_table FROM information_schema.triggers "
                f"WHERE trigger_name LIKE '{PREFIX}%'"
            )
        else:
            cursor.execute(
                f"SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                f"AND name LIKE '{PREFIX}%'"
            )
        return {table for (table,) in cursor.fetchall()}
