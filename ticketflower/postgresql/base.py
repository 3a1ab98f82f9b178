"""Django's PostgreSQL backend (psycopg 3, client-side binding), with every transaction of scoped work
(kernel/row_security.py: a request, an authentication) started by one statement that sets the scope the
row-level security policies read, with set_config(..., true): for that transaction only.

- A statement outside a transaction block (autocommit, how reads run) travels with the scope in the same
  simple-protocol query, `SELECT set_config(...); <statement>`, which PostgreSQL runs as one implicit
  transaction: no extra round trip.
- The first statement of a transaction block (transaction.atomic) is preceded by the scope statement, once
  per transaction, and again whenever the scope changes or a savepoint rollback may have undone it.

The scope statement also sets `statement_timeout` for the transaction where the connection goes through a
transaction pooler (DATABASE_TRANSACTION_POOLING), which cannot pass the session-wide setting the direct
connection gets at connect time. Work that declares no scope (migrations, management commands, the owner's)
runs untouched: its statements, `CREATE INDEX CONCURRENTLY` among them, must not run in a transaction block.
"""

from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg import pq

from kernel.row_security import COMPANY_SETTING, CROSS_COMPANY_SETTING, Scope, current_scope

_IDLE = pq.TransactionStatus.IDLE
_IN_TRANSACTION = pq.TransactionStatus.INTRANS


def _scope_statement(scope: Scope) -> str:
    company = "" if scope.company_id is None else str(int(scope.company_id))
    # Literals, not parameters: the statement is glued to the one it scopes, whose parameters are merged
    # client-side, and its values are an integer and one of three fixed words.
    parts = [
        f"set_config('{COMPANY_SETTING}', '{company}', true)",
        f"set_config('{CROSS_COMPANY_SETTING}', '{scope.cross_company}', true)",
    ]
    if settings.DATABASE_TRANSACTION_POOLING:
        parts.append(f"set_config('statement_timeout', '{int(settings.DATABASE_STATEMENT_TIMEOUT_MS)}', true)")
    return "SELECT " + ", ".join(parts)


_NO_SCOPE = f"SELECT set_config('{COMPANY_SETTING}', '', true), set_config('{CROSS_COMPANY_SETTING}', '', true)"


class TenantScopedCursor(base.Cursor):  # type: ignore[name-defined]  # defined for psycopg 3 only, unknown to the stubs
    """Remembers, on its connection, the scope statement the open transaction ran: every transaction's first
    statement comes through a cursor of this class while the connection is idle, which forgets it."""

    def _scope(self) -> str | None:
        """The scope statement of the work at hand, or None; forgets the last transaction's when none is open.
        Unscoped work in a transaction that ran scoped work first (a test's, a command's) gets the scope
        cleared: it never inherits one."""
        connection = self.connection
        status = connection.info.transaction_status
        if status == _IDLE:
            connection._ticketflower_scope = None
        scope = current_scope()
        if scope is None and status == _IN_TRANSACTION and getattr(connection, "_ticketflower_scope", None):
            super().execute(_NO_SCOPE)
            connection._ticketflower_scope = None
        return None if scope is None else _scope_statement(scope)

    def _scope_this_transaction(self, statement: str) -> None:
        """Sets the scope in the transaction the next statement runs in, unless it is set there already."""
        connection = self.connection
        status = connection.info.transaction_status
        if status == _IDLE or (
            status == _IN_TRANSACTION and getattr(connection, "_ticketflower_scope", None) != statement
        ):
            super().execute(statement)  # in a transaction block, psycopg begins the transaction with it
            connection._ticketflower_scope = statement

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> "TenantScopedCursor":
        statement = self._scope()
        if statement is None:
            return super().execute(query, params, **kwargs)
        connection = self.connection
        if connection.autocommit and connection.info.transaction_status == _IDLE:
            if isinstance(query, str):
                super().execute(f"{statement}; {query}", params, **kwargs)
                self.nextset()  # the statement's own result
                return self
            with connection.transaction():
                super().execute(statement)
                return super().execute(query, params, **kwargs)
        self._scope_this_transaction(statement)
        super().execute(query, params, **kwargs)
        if isinstance(query, str) and query.lstrip()[:21].upper() == "ROLLBACK TO SAVEPOINT":
            connection._ticketflower_scope = None  # set after the savepoint: undone
        return self

    def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> None:
        statement = self._scope()
        if statement is None:
            return super().executemany(query, params_seq, **kwargs)
        connection = self.connection
        if connection.autocommit and connection.info.transaction_status == _IDLE:
            with connection.transaction():
                super().execute(statement)
                return super().executemany(query, params_seq, **kwargs)
        self._scope_this_transaction(statement)
        return super().executemany(query, params_seq, **kwargs)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        params["cursor_factory"] = TenantScopedCursor
        return params
