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


def is_client_database_error(exc: BaseException | None) -> bool:
    """A database error the client's own input caused: a filter's regular expression that
    PostgreSQL cannot compile (its syntax is PostgreSQL's, so only the database can judge)."""
    return isinstance(exc, DatabaseError) and isinstance(exc.__cause__, pg_errors.InvalidRegularExpression)


def database_failure(exc: DatabaseError) -> tuple[str, str] | None:
    """(message, code) for a database error a client should hear about plainly, else None."""
    # is_client_database_error(exc), spelled out so that the type checker knows the cause's type.
    if isinstance(exc.__cause__, pg_errors.InvalidRegularExpression):
        return f"Invalid regular expression in a filter: {exc.__cause__.diag.message_primary}.", "BAD_USER_INPUT"
    if isinstance(exc.__cause__, pg_errors.QueryCanceled):
        return STATEMENT_TIMEOUT
    if isinstance(exc.__cause__, pg_errors.IntegrityError | pg_errors.ProgrammingError):
        return None  # a bug, not an outage
    if isinstance(exc, OperationalError | InterfaceError):
        return DATABASE_UNAVAILABLE
    return None
