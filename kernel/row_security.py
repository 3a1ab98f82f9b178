"""PostgreSQL row-level security of company-owned tables: the policy, the settings it reads, the role it binds,
and the scope the work at hand declares.

The application connects as a role that does not own the tables (settings.DATABASE_APP_ROLE, default
`ticketflower_app`); the owner (who runs migrations and management commands) is not restricted, since
policies bind only roles other than the owner unless FORCE is set. The work at hand declares whose rows it
works on (a request: ticketflower/tenancy.py; the services that find a user by name or token: users/services.py),
and the database backend (ticketflower/postgresql) writes that into every transaction it runs, with
set_config(..., true), which lasts until the transaction ends (nothing outlives it: what PgBouncer's
transaction pooling needs), as:

- COMPANY_SETTING: the acting user's company id;
- CROSS_COMPANY_SETTING: AUTHENTICATION (the users and companies of every company, while the user is
  being found or for work without one), ALL (every row: the operator's Django admin), or empty.

Neither set: no row. So a query that forgot its scoping rule (kernel/scoping.py) still sees only the acting
company's rows. The migrations of each domain (users/0009, workflow_design/0005) apply `policy_sql` to their
company-owned tables; tests/test_row_level_security.py checks that every table with a company_id column has it.
"""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

COMPANY_SETTING = "ticketflower.company_id"
CROSS_COMPANY_SETTING = "ticketflower.cross_company"
AUTHENTICATION = "authentication"
ALL = "all"
POLICY_NAME = "tenant_isolation"


def policy_sql(table: str, company_column: str, *, readable_while_authenticating: bool = False) -> list[str]:
    """Row-level security on `table`, rows belonging to the company in `company_column`. Each setting is read
    in a subquery of its own, which PostgreSQL evaluates once per statement (an InitPlan) rather than once per
    row: each row then costs a comparison with a parameter, not two function calls (a 100,000-row count took
    48 ms with current_setting() per row, 25 ms so, 27 ms for the owner). The statements name their company
    themselves (tests/support/statement_scope.py), so the indexes serve them whatever the policy."""
    widened_by = [ALL, AUTHENTICATION] if readable_while_authenticating else [ALL]
    widening = ", ".join(f"'{value}'" for value in widened_by)
    condition = (
        f"{company_column} = (SELECT NULLIF(current_setting('{COMPANY_SETTING}', true), '')::bigint) "
        f"OR (SELECT current_setting('{CROSS_COMPANY_SETTING}', true) IN ({widening}))"
    )
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY_NAME} ON {table} USING ({condition})",
    ]


def policy_removal_sql(table: str) -> list[str]:
    return [f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}", f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"]


def application_role_sql(role: str) -> list[str]:
    """The application's role, made (without LOGIN: giving it a password and LOGIN is the operator's step) unless
    it exists, and granted what the service does to rows, never DDL: on today's tables, on those later migrations
    make (default privileges of the migrating role), and only reading the migration history (/readyz reads it)."""
    quoted = '"' + role.replace('"', '""') + '"'
    literal = "'" + role.replace("'", "''") + "'"
    make_role = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {literal}) THEN
        CREATE ROLE {quoted} NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;  -- made by a concurrent migration of another database
    WHEN insufficient_privilege THEN
        RAISE EXCEPTION USING
            MESSAGE = 'the role ' || {literal} || ' does not exist and ' || current_user || ' may not create it',
            HINT = 'Create it first: CREATE ROLE ' || {literal} || ' LOGIN PASSWORD ...';
END $$"""
    return [
        make_role,
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
        f"REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {quoted}",
    ]


def application_role_removal_sql(role: str) -> list[str]:
    """The grants taken back; the role stays (roles belong to the whole PostgreSQL server, not one database)."""
    quoted = '"' + role.replace('"', '""') + '"'
    return [
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {quoted}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quoted}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}",
        f"REVOKE USAGE ON SCHEMA public FROM {quoted}",
    ]


# --- the scope of the work at hand -------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    company_id: int | None = None
    cross_company: str = ""  # "", AUTHENTICATION or ALL


_scope: ContextVar[Scope | None] = ContextVar("ticketflower_row_scope", default=None)


def current_scope() -> Scope | None:
    """The scope declared for the work at hand; None outside requests (the owner's work)."""
    return _scope.get()


@contextlib.contextmanager
def _declared(scope: Scope) -> Iterator[None]:
    token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(token)


def acting_for_company(company_id: int) -> contextlib.AbstractContextManager[None]:
    """The acting user's company: its rows only."""
    return _declared(Scope(company_id=company_id))


def authenticating() -> contextlib.AbstractContextManager[None]:
    """No acting user yet (or none at all): the users and companies of every company, nothing else."""
    return _declared(Scope(cross_company=AUTHENTICATION))


def across_companies() -> contextlib.AbstractContextManager[None]:
    """Every company's rows: the operator's Django admin only."""
    return _declared(Scope(cross_company=ALL))
