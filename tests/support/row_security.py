"""Requests served as the application's role, under PostgreSQL row-level security, inside a test's transaction.

The test process connects as the tables' owner (pytest-django makes and migrates its database), whom the
policies do not restrict. Production connects as settings.DATABASE_APP_ROLE: `requests_as_application_role`
makes every request sent through Django's test client run as that role (SET LOCAL ROLE when it starts,
RESET ROLE when it ends; both last at most until the test's transaction is rolled back), so that the rows a
request reads and writes are those the policies let through, while the test's own set-up and checks keep
the owner's view.
"""

import contextlib
from collections.abc import Iterator

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connection
from psycopg import pq, sql


def _in_test_transaction() -> bool:
    """A test's transaction is open (SET LOCAL lasts until it ends); outside one (live servers, transactional
    tests) the role would stay with the connection. A streamed response's end can close the connection
    (Django closes old connections when a response is closed): then there is no transaction to set it in."""
    return (
        connection.vendor == "postgresql"
        and connection.in_atomic_block
        and connection.connection is not None
        and not connection.connection.closed
    )


# On the driver's connection, below Django's cursors: tests that count or capture a request's statements see
# only the request's own.


def _become_application_role(**kwargs) -> None:
    if _in_test_transaction():
        connection.connection.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(settings.DATABASE_APP_ROLE)))


def _become_owner_again(**kwargs) -> None:
    # After a failed statement the transaction takes no more commands: its rollback ends the role too.
    if _in_test_transaction() and connection.connection.info.transaction_status != pq.TransactionStatus.INERROR:
        connection.connection.execute("RESET ROLE")


@contextlib.contextmanager
def requests_as_application_role() -> Iterator[None]:
    request_started.connect(_become_application_role, dispatch_uid="tests-application-role")
    request_finished.connect(_become_owner_again, dispatch_uid="tests-owner-again")
    try:
        yield
    finally:
        request_started.disconnect(dispatch_uid="tests-application-role")
        request_finished.disconnect(dispatch_uid="tests-owner-again")


def current_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return cursor.fetchone()[0]
