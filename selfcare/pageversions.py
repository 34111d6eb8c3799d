"""Database triggers that move `PageVersion` counters whenever a table a portal page reads is
written, in the same transaction as the write.

A migration watches each table with `WatchForPages(table, scope=...)`, where `scope` is an SQL
expression for the customer id (or `PageVersion.CATALOG`) of the row `{row}`: `{row}.customer_id`,
or a subquery through its parent. PostgreSQL and SQLite each get their own trigger; an insert or
delete moves the row's customer's counter, an update moves the old and the new customer's.
`watched_tables()` lists what is watched, read back from the database itself."""

from django.db import migrations

TABLE = "selfcare_pageversion"
_BUMP = "selfcare_pageversion_bump"


def _trigger_name(table: str) -> str:
    return f"pageversion_{table}"


def _postgresql_forwards(table: str, scope: str) -> list[str]:
    name = _trigger_name(table)
    old, new = scope.format(row="OLD"), scope.format(row="NEW")
    return [
        f"""
        CREATE OR REPLACE FUNCTION {_BUMP}(bump_scope bigint) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            IF bump_scope IS NOT NULL THEN
                INSERT INTO {TABLE} (scope, version) VALUES (bump_scope, 1)
                ON CONFLICT (scope) DO UPDATE SET version = {TABLE}.version + 1;
            END IF;
        END $$
        """,
        f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            old_scope bigint;
            new_scope bigint;
        BEGIN
            IF TG_OP <> 'INSERT' THEN old_scope := {old}; END IF;
            IF TG_OP <> 'DELETE' THEN new_scope := {new}; END IF;
            PERFORM {_BUMP}(new_scope);
            IF old_scope IS DISTINCT FROM new_scope THEN PERFORM {_BUMP}(old_scope); END IF;
            RETURN NULL;
        END $$
        """,
        f"""
        CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {name}()
        """,
    ]


def _postgresql_backwards(table: str) -> list[str]:
    name = _trigger_name(table)
    return [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]


def _sqlite_bump(expression: str) -> str:
    # `WHERE` also tells SQLite's parser that ON CONFLICT belongs to the INSERT, not the SELECT.
    return (
        f"INSERT INTO {TABLE} (scope, version) SELECT {expression}, 1 "
        f"WHERE {expression} IS NOT NULL "
        f"ON CONFLICT (scope) DO UPDATE SET version = version + 1;"
    )


def _sqlite_forwards(table: str, scope: str) -> list[str]:
    name = _trigger_name(table)
    old, new = scope.format(row="OLD"), scope.format(row="NEW")
    moved = _sqlite_bump(old).replace("IS NOT NULL", f"IS NOT NULL AND {old} IS NOT {new}", 1)
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {_sqlite_bump(new)} END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} "
        f"BEGIN {_sqlite_bump(new)} {moved} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {_sqlite_bump(old)} END",
    ]


def _sqlite_backwards(table: str) -> list[str]:
    name = _trigger_name(table)
    return [f"DROP TRIGGER IF EXISTS {name}_{event}" for event in ("insert", "update", "delete")]


class WatchForPages(migrations.operations.base.Operation):
    """Move the page version of `scope` (an SQL expression over `{row}`) on every write to
    `table`. Reversible; no change to the models' state."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, scope: str):
        self.table = table
        self.scope = scope

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"table": self.table, "scope": self.scope}

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            statements = _postgresql_forwards(self.table, self.scope)
        elif vendor == "sqlite":
            statements = _sqlite_forwards(self.table, self.scope)
        else:
            raise NotImplementedError(f"No page-version triggers for {vendor}.")
        for statement in statements:
            schema_editor.execute(statement, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        backwards = _postgresql_backwards if vendor == "postgresql" else _sqlite_backwards
        for statement in backwards(self.table):
            schema_editor.execute(statement, params=None)

    def describe(self):
        return f"Move page versions on writes to {self.table}"


def watched_tables(connection) -> set[str]:
    """The tables whose writes move a page version, as the database's triggers say."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT event_object_table FROM information_schema.triggers "
                "WHERE trigger_name LIKE 'pageversion%'"
            )
        else:
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'pageversion%'"
            )
        return {table for (table,) in cursor.fetchall()}
