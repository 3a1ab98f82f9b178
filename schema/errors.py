from django.db import DatabaseError, InterfaceError, OperationalError
from graphql import GraphQLError
from psycopg import errors as pg_errors

DATABASE_UNAVAILABLE = ("The database is unavailable; retry shortly.", "DATABASE_UNAVAILABLE")
STATEMENT_TIMEOUT = ("The request took too long and was cancelled.", "TIMEOUT")


def is_expected_error(error: GraphQLError) -> bool:
    """Errors the service raises on purpose (auth, bad input) reach the client as they are;
    anything else is an internal failure whose details must not leak."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


def database_failure(exc: DatabaseError) -> tuple[str, str] | None:
    """(message, code) for a database error a client should hear about plainly, else None."""
    if isinstance(exc.__cause__, pg_errors.QueryCanceled):
        return STATEMENT_TIMEOUT
    if isinstance(exc.__cause__, pg_errors.IntegrityError | pg_errors.ProgrammingError):
        return None  # a bug, not an outage
    if isinstance(exc, OperationalError | InterfaceError):
        return DATABASE_UNAVAILABLE
    return None
