"""A migrated database of its own for the servers a test starts (bin/serve)."""

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from tests.support.postgres import Unavailable, migrate, server_of_test_settings


@contextlib.contextmanager
def scratch_database(workdir: Path, name: str) -> Iterator[str]:
    """The URL of a migrated database named after `name`: on the test run's PostgreSQL server when it
    uses one (dropped afterwards), else a SQLite file in `workdir`."""
    try:
        pg = server_of_test_settings()
    except Unavailable:
        url = f"sqlite:///{workdir / name}.sqlite3"
        migrate(url)
        yield url
        return
    dbname = f"{name}_{os.getpid()}"
    pg.create_database(dbname)
    try:
        migrate(pg.url(dbname))
        yield pg.url(dbname)
    finally:
        pg.drop_database(dbname)
