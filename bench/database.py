"""The benchmark's own PostgreSQL database, dropped and made again on every run."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def bench_database_url(url: str) -> str:
    """`url` itself when its database is named like a benchmark's (`..._bench`), else the same
    server with `_bench` appended to the name: a DATABASE_URL meant for development or CI is never
    the one dropped."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"The benchmarks need PostgreSQL; DATABASE_URL is {url!r}.")
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit("DATABASE_URL names no database.")
    if not name.endswith("bench"):
        name += "_bench"
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def libpq_dsn(url: str) -> str:
    """A URL psycopg accepts (it does not know Django's `pgsql` spelling)."""
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql"))


def database_recreate(url: str) -> None:
    """Drop the database (closing its connections) and create it empty."""
    name = database_name(url)
    maintenance = urlunsplit(urlsplit(libpq_dsn(url))._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
