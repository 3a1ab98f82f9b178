"""A pytest plugin over the whole suite: every SQL statement the application sends to a company-owned table while
it acts for a company must name that company, by company_id (the company table by its id).

That is the property both defences past one database rest on: row-level security gives a query that forgot it
the right answer anyway, but a query that states it lets PostgreSQL use the (company_id, ...) indexes, and Citus,
with company_id as the distribution column, can send it to the one node holding the company's rows instead of to
every node (docs/SCALING.md).

What is checked: the statements of the test process's connection (Django's test client, services called in-process)
run while a request declares a company scope (kernel/row_security.py). Statements of the tests themselves (set-up,
assertions) and of the wider scopes (finding a user before their company is known, the operator's admin) are
cross-company by design and not checked. A statement passes when every reference to a company-owned table (the
table or its alias) either
- compares its company column with a value or a list of values (`"t"."company_id" = %s`, `T3."company_id" IN (...)`),
- or is joined by its company column to a reference that does (`"company"."id" = "users"."company_id"`),
- or, for an INSERT, writes the company column.
ALLOWED names the statements that may do otherwise, each with the reason.

The references are found with regular expressions over Django's SQL (quoted table names, T3/U0 aliases), not a
parser: enough for the statements the ORM writes, which are all this service sends.

A test whose scoped statements break the rule fails at teardown, listing them; the terminal summary counts what
the whole run checked.
"""

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

from kernel.row_security import current_scope

# The table of each company-owned model and the column that names its company.
COMPANY_COLUMNS = {
    "company": "id",
    "users": "company_id",
    "company_roles": "company_id",
    "workflow_definitions": "company_id",
    "task_definitions": "company_id",
    "workflow_transitions": "company_id",
    "ticket_definitions": "company_id",
    "workflow_versions": "company_id",
}


@dataclass(frozen=True)
class Allowance:
    """Statements that may reach a company's rows by other keys: those sent from a function on the stack
    (`frame`: "path/of/module.py" or "path/of/module.py:function"), or matching `sql`; and why."""

    reason: str
    frame: str = ""
    sql: re.Pattern[str] | None = None


# Keep this short: each is a statement Citus would send to every node (docs/SCALING.md says what removes it).
ALLOWED = [
    Allowance(
        "Django's deletion collector follows foreign keys from the rows deleted (a workflow's tasks, transitions "
        "and versions; a role's group with its memberships and permissions), all reached from rows of the company",
        frame="django/db/models/deletion.py",
    ),
    Allowance(
        "Model.save() of a row read for the company updates it by its primary key (with Citus: primary keys "
        "(company_id, id))",
        frame="django/db/models/base.py:_do_update",
    ),
    Allowance(
        "a row's foreign key followed by the ORM (a ticket definition's workflow) loads the target by its primary "
        "key; migration workflow_design/0002's composite foreign keys hold it to the row's company (with Citus: "
        "composite keys)",
        frame="django/db/models/fields/related_descriptors.py:get_object",
    ),
    Allowance(
        "company roles and their holders found through Django groups, which are shared by every company (a user's "
        "roles, a role's members; with Citus: memberships keyed by company)",
        sql=re.compile(r'\."group_id"\s*(?:=|IN\b)|"company_roles"\."group_id"'),
    ),
    Allowance(
        "the current version of listed workflows, prefetched by workflow id (schema/workflow_design/types.py: the "
        "prefetch is built once for every request, without the acting company)",
        sql=re.compile(r'"workflow_versions"\."version" = \("workflow_definitions"\."version"\)'),
    ),
]

_TABLES = "|".join(COMPANY_COLUMNS)
_REFERENCE = re.compile(rf'\b(?:FROM|JOIN|UPDATE|INTO)\s+"({_TABLES})"(?:\s+(?:AS\s+)?([A-Z]\d+)\b)?')
_VALUE = r"(?:%s|-?\d+)"


@dataclass
class Verdict:
    statement: str
    unscoped: list[str]  # the references that name no company
    origin: str  # the application's code that sent it


_ROOT = Path(__file__).resolve().parents[2]
_APPLICATION = tuple(str(_ROOT / package) + "/" for package in ("kernel", "users", "workflow_design", "schema"))


def _origin() -> str:
    """The innermost frame of the application's own code on the stack: where the statement came from."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith(_APPLICATION) and "/tests/" not in frame.f_code.co_filename:
            return f"{Path(frame.f_code.co_filename).relative_to(_ROOT)}:{frame.f_lineno} {frame.f_code.co_name}"
        frame = frame.f_back
    return "outside the application's code"


@dataclass
class Ledger:
    checked: int = 0
    allowed: dict[str, int] = field(default_factory=dict)
    violations: list[Verdict] = field(default_factory=list)


LEDGER = Ledger()


def _column(reference: str, column: str) -> str:
    return rf'{re.escape(reference)}\."{column}"'


def unscoped_references(statement: str) -> list[str] | None:
    """The references of `statement` to company-owned tables that name no company; None when it touches none."""
    references = {(alias or f'"{table}"', table) for table, alias in _REFERENCE.findall(statement)}
    if not references:
        return None
    if statement.lstrip().upper().startswith("INSERT"):
        return [f'"{table}"' for _, table in references if f'"{COMPANY_COLUMNS[table]}"' not in statement]
    named = {
        reference
        for reference, table in references
        if re.search(rf"{_column(reference, COMPANY_COLUMNS[table])}\s*(?:=\s*{_VALUE}|IN\s*\(\s*{_VALUE})", statement)
        or re.search(rf"{_VALUE}\s*=\s*{_column(reference, COMPANY_COLUMNS[table])}", statement)
    }
    joined = True
    while joined:  # follow equalities of company columns from the references already named
        joined = False
        for reference, table in references - {(r, t) for r, t in references if r in named}:
            mine = _column(reference, COMPANY_COLUMNS[table])
            for other, other_table in references:
                theirs = _column(other, COMPANY_COLUMNS[other_table])
                if other in named and re.search(rf"{mine}\s*=\s*{theirs}|{theirs}\s*=\s*{mine}", statement):
                    named.add(reference)
                    joined = True
                    break
    return sorted(reference for reference, _ in references if reference not in named)


def _frames() -> list[str]:
    """The stack, innermost first, as "path/from/site-packages/or/root.py:function"."""
    found, frame = [], sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        _, _, tail = path.partition("site-packages/")
        found.append(f"{tail or path.removeprefix(str(_ROOT) + '/')}:{frame.f_code.co_name}")
        frame = frame.f_back
    return found


def _allowance(statement: str) -> Allowance | None:
    frames = None
    for allowance in ALLOWED:
        if allowance.sql is not None and allowance.sql.search(statement):
            return allowance
        if allowance.frame:
            frames = frames if frames is not None else _frames()
            if any(frame == allowance.frame or frame.startswith(allowance.frame + ":") for frame in frames):
                return allowance
    return None


def _check(execute, sql, params, many, context):
    scope = current_scope()
    if scope is not None and scope.company_id is not None:
        unscoped = unscoped_references(sql)
        if unscoped is not None:
            LEDGER.checked += 1
            if unscoped:
                allowance = _allowance(sql)
                if allowance is None:
                    _current_test_violations.append(Verdict(sql, unscoped, _origin()))
                else:
                    LEDGER.allowed[allowance.reason] = LEDGER.allowed.get(allowance.reason, 0) + 1
    return execute(sql, params, many, context)


_current_test_violations: list[Verdict] = []


@pytest.fixture(autouse=True)
def _statements_name_their_company(request):
    """Tests marked `statement_scope_exempt` send statements that name no company on purpose (row-level
    security's own tests)."""
    _current_test_violations.clear()
    if request.node.get_closest_marker("statement_scope_exempt"):
        yield
        return
    with connection.execute_wrapper(_check):
        yield
    if _current_test_violations:
        LEDGER.violations.extend(_current_test_violations)
        listed = "\n".join(
            f"- {', '.join(v.unscoped)} from {v.origin}: {v.statement[:600]}" for v in _current_test_violations[:5]
        )
        pytest.fail(
            f"{len(_current_test_violations)} statements sent for a company do not name it by company_id "
            f"(tests/support/statement_scope.py):\n{listed}",
            pytrace=False,
        )


def pytest_terminal_summary(terminalreporter):
    if not LEDGER.checked:
        return
    terminalreporter.write_line(
        f"statement scope: {LEDGER.checked} statements to company-owned tables sent for a company, "
        f"{len(LEDGER.violations)} naming no company outside the allow-list" + (", allowed:" if LEDGER.allowed else "")
    )
    for why, count in sorted(LEDGER.allowed.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"  {count:5d}  {why}")
