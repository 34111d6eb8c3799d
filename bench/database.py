"""The benchmark's own PostgreSQL database, dropped and made again on every run."""

from __future__ import annotations

import os
from pathlib import Path
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


def named_database_url(url: str, *, name: str, override: str) -> str:
    """A benchmark's own database `name` on DATABASE_URL's server (or the environment variable
    `override`'s, which must start with `name`), never the development or CI one: it is
    dropped."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"The benchmark needs PostgreSQL; DATABASE_URL is {url!r}.")
    chosen = os.environ.get(override, name)
    if not chosen.startswith(name):
        raise SystemExit(f"{override} must start with {name} (it is dropped).")
    return urlunsplit(parts._replace(path=f"/{chosen}"))


def bench_environment(*, database_url: str, redis_url: str, **extra: str) -> None:
    """The environment a benchmark and the processes it starts share: the bench settings, its
    database and broker, the repository on the Python path, and `extra` settings."""
    root = Path(__file__).resolve().parent.parent
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
        **extra,
    )


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
