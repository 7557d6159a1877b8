"""A database of the suite's kind for hubs started as processes, which cannot see pytest-django's
test transactions: a fresh PostgreSQL database when DATABASE_URL points at PostgreSQL, else a
SQLite file; migrated, with the cache table."""

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from tests.support.servers import free_port, hub_environment, manage


@contextlib.contextmanager
def suite_kind_of_database(folder: Path) -> Iterator[str]:
    """The URL of a migrated database with the cache table (a SQLite one in `folder`)."""
    suite_url = os.environ.get("DATABASE_URL", "")
    with contextlib.ExitStack() as cleanup:
        if suite_url and "postgresql" in dj_database_url.parse(suite_url)["ENGINE"]:
            url = cleanup.enter_context(fresh_postgres_database(suite_url))
        else:
            url = f"sqlite:///{folder / 'db.sqlite3'}"
        environment = hub_environment(url, free_port())
        manage(environment, "migrate", "--noinput", "--verbosity", "0")
        manage(environment, "createcachetable")
        yield url


@contextlib.contextmanager
def fresh_postgres_database(suite_url: str) -> Iterator[str]:
    """A new database, named after a uuid, on the suite's PostgreSQL server; dropped after."""
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(suite_url)
    server = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    name = f"spirtuoz_instances_{uuid.uuid4().hex}"
    with psycopg.connect(**server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(suite_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(**server) as admin:
            # FORCE: the servers' pooled connections may outlive them for a moment.
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
