"""The compiled read path (schema/compiled_reads.py) answers exactly what the general execution path answers.

Every query of the suite is already compared in place (tests/support/compiled_reads.py); here: the bench's reads,
a user without workflow_creator, generated selections over the workflow design types, both paths side by side;
which root fields are compiled and why the others are not (the debug log); the statements a compiled read sends;
the response cache serving compiled answers; SQLite keeping the general path.
"""

import base64
import gc
import json
import logging
import tracemalloc
from datetime import UTC, datetime

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import get_named_type, is_required_argument
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bench.queries import R1, R2, R3
from schema import compiled_reads, schema
from schema.compiled_reads import MAX_KEPT_STATEMENT_CHARACTERS, compiled_reads_enabled, kept_statement_characters
from schema.library_internals import graphql_core_schema
from tests.builders import build_ticket_definition
from tests.support import compiled_reads as crosscheck
from tests.support.documents import example
from tests.support.ids import gid
from users import services as user_services
from workflow_design.models import TaskDefinition, TicketDefinition
from workflow_design.services import workflow_upload

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the compiled read path is PostgreSQL's; SQLite keeps the general path"
)
COMPILED_LOGGER = "ticketflower.graphql.compiled"


def both_paths(gql, settings, query: str, variables: dict | None, token: str) -> tuple[str, str]:
    """The answer of each path, as JSON text with the keys in the order answered."""

    def answer() -> str:
        body = gql.post(query, variables, token=token, HTTP_CACHE_CONTROL="no-cache")
        for error in body.get("errors", []):
            error.get("extensions", {}).pop("requestId", None)  # one per request
        return json.dumps(body)

    settings.GRAPHQL_COMPILED_READS = True
    compiled = answer()
    settings.GRAPHQL_COMPILED_READS = False
    general = answer()
    settings.GRAPHQL_COMPILED_READS = True
    return compiled, general


@pytest.fixture
def design(tenant_a):
    """Two workflows (the example's, and a copy) and three ticket definitions, one granted to support_agent."""
    first = workflow_upload(acting_user=tenant_a.admin, document=example()).row
    second = workflow_upload(acting_user=tenant_a.admin, document=example() | {"title": "Second"}).row
    _, agent_token = tenant_a.user(company_roles=["support_agent"])
    build_ticket_definition(first, title="Outage", roles=["support_agent"])
    build_ticket_definition(first, title="Postmortem", roles=["sre"])
    build_ticket_definition(second, title="Hidden", roles=[])
    return first, second, agent_token


def compiled_fields(caplog) -> dict[str, str]:
    """{root field: "compiled" or why it took the general path} from the debug log."""
    decisions = {}
    for record in caplog.records:
        if record.name == COMPILED_LOGGER:
            field, _, rest = record.getMessage().partition(" ")
            decisions[field] = "compiled" if rest == "is compiled" else rest.removeprefix("takes the general path: ")
    return decisions


@postgresql_only
@pytest.mark.django_db
class TestBenchReads:
    @pytest.mark.parametrize(
        ("query", "variables"),
        [
            (R1, "workflow"),
            (R2, {"first": 10}),
            (R3, {"first": 10}),
            (R2, {"first": 1, "after": "YXJyYXljb25uZWN0aW9uOjA="}),
        ],
        ids=["R1", "R2", "R3", "R2-second-page"],
    )
    def test_same_answer_from_one_statement(self, gql, settings, tenant_a, design, caplog, query, variables):
        if variables == "workflow":
            variables = {"id": gid(design[0])}
        caplog.set_level(logging.DEBUG, logger=COMPILED_LOGGER)
        with CaptureQueriesContext(connection) as statements:
            body = gql.post(query, variables, token=tenant_a.token, HTTP_CACHE_CONTROL="no-cache")
        assert "errors" not in body
        root = next(iter(body["data"]))
        assert compiled_fields(caplog) == {root: "compiled"}
        # Authentication reads the acting user with their company and permissions; the answer is one statement.
        sent = [s["sql"] for s in statements.captured_queries]
        *auth, answer = [sql for sql in sent if not sql.startswith(("SAVEPOINT", "RELEASE"))]
        assert answer.startswith("SELECT ((SELECT"), answer
        assert len(auth) <= 3
        assert all(sql.startswith('SELECT "users"') or '"auth_permission"' in sql for sql in auth), auth
        compiled, general = both_paths(gql, settings, query, variables, tenant_a.token)
        assert compiled == general

    def test_a_kept_statement_holds_no_large_filter_value(self, gql, tenant_a, design):
        """A filter's value is a parameter of the kept statement: a 2 MB string (twice: the page and the count)
        was kept, 256 of them per worker. Kept statements are bounded with their parameters."""
        query = "query($f: TaskDefinitionFilter) { taskDefinitions(filters: $f) { totalCount edges { node { key } } } }"
        for character in "ab":
            variables = {"f": {"title": {"contains": character * 2_000_000}}}
            answer = gql.data(query, variables, token=tenant_a.token)
            assert answer["taskDefinitions"] == {"totalCount": 0, "edges": []}
        small = {"f": {"title": {"contains": "no such title"}}}
        assert gql.data(query, small, token=tenant_a.token)["taskDefinitions"]["totalCount"] == 0
        kept = [statement for statement in compiled_reads._statements.values() if isinstance(statement, tuple)]
        assert len(kept) == 1
        assert all(kept_statement_characters(statement) <= MAX_KEPT_STATEMENT_CHARACTERS for statement in kept)

    def test_a_kept_refusal_holds_no_request(self, gql, tenant_a, design):
        """Why a root field is not compiled is kept too: it was the raised exception, whose traceback held the
        request's frames (its body, its variables, the executor): about 6 MB kept per request of a 1 MB
        variable, 256 of them per worker."""
        query = """query($f: WorkflowDefinitionFilter) {
          workflowDefinitions(filters: $f) { edges { node { document { title } } } }
        }"""
        gql.post(query, {"f": {"title": {"contains": "warm-up"}}}, token=tenant_a.token)
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for character in "abcdefgh":
                variables = {"f": {"title": {"contains": character * 1_000_000}}}
                assert gql.data(query, variables, token=tenant_a.token) == {"workflowDefinitions": {"edges": []}}
            gc.collect()
            retained = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert len(compiled_reads._statements) == 9
        # The last request may still be referenced (about 1 MB); each kept one was about 6 MB.
        assert retained < 4_000_000, f"{retained:,} bytes kept after 8 requests of 1 MB"

    def test_statements_do_not_grow_with_the_data(self, gql, tenant_a, design):
        def statements() -> int:
            with CaptureQueriesContext(connection) as captured:
                gql.data(R3, {"first": 10}, token=tenant_a.token)
            return len(captured.captured_queries)

        few = statements()
        for copy in range(3):
            workflow_upload(acting_user=tenant_a.admin, document=example() | {"title": f"Copy {copy}"})
        assert statements() == few


@postgresql_only
@pytest.mark.django_db
class TestWhatFallsBack:
    def test_each_root_field_decided_on_its_own_with_the_reason_logged(self, gql, settings, tenant_a, design, caplog):
        caplog.set_level(logging.DEBUG, logger=COMPILED_LOGGER)
        query = """query Mixed($id: ID!) {
          workflowDefinition(id: $id) { id title tasks { key } }
          withDocument: workflowDefinitions(first: 1) { edges { node { document { title } } } }
          byKey: workflowDefinition(id: $id) { task(key: "triage") { title } }
          me { username email }
          exportWorkflow(id: $id)
        }"""
        variables = {"id": gid(design[0])}
        compiled, general = both_paths(gql, settings, query, variables, tenant_a.token)
        assert compiled == general
        assert "errors" not in json.loads(compiled)
        assert compiled_fields(caplog) == {
            "workflowDefinition": "compiled",
            "withDocument": "WorkflowDefinition.document: a custom resolver",
            "byKey": "WorkflowDefinition.task: a custom resolver",
            "me": "Query.me: its resolver chain refused or answered no queryset",
            "exportWorkflow": "Query.exportWorkflow: not a model field",
        }

    def test_a_refused_root_field_answers_as_before(self, gql, settings, tenant_a, design, caplog):
        caplog.set_level(logging.DEBUG, logger=COMPILED_LOGGER)
        _, token = tenant_a.user(company_roles=["support_agent"])
        query = "{ workflowDefinitions { totalCount } ticketDefinitions { totalCount } }"
        compiled, general = both_paths(gql, settings, query, None, token)
        assert compiled == general
        answer = json.loads(compiled)
        assert answer["data"] == {"workflowDefinitions": None, "ticketDefinitions": {"totalCount": 1}}
        assert [(e["path"], e["extensions"]["code"]) for e in answer["errors"]] == [
            (["workflowDefinitions"], "FORBIDDEN")
        ]
        assert compiled_fields(caplog)["workflowDefinitions"] == (
            "Query.workflowDefinitions: its resolver chain refused or answered no queryset"
        )

    def test_a_database_error_is_located_at_its_field(self, gql, tenant_a, design):
        body = gql.post('query { taskDefinitions(filters: {key: {regex: "("}}) { totalCount } }', token=tenant_a.token)
        (error,) = body["errors"]
        assert (error["path"], error["extensions"]["code"]) == (["taskDefinitions"], "BAD_USER_INPUT")

    def test_a_database_error_of_an_aliased_field_is_located_at_its_alias(self, gql, tenant_a, design):
        """The alias is the response's name, not the field's: the error was lost with the whole answer."""
        body = gql.post(
            'query { mine: taskDefinitions(filters: {key: {regex: "("}}) { totalCount } }', token=tenant_a.token
        )
        assert body["data"] == {"mine": None}
        (error,) = body["errors"]
        assert (error["path"], error["extensions"]["code"]) == (["mine"], "BAD_USER_INPUT")


def cursor(offset: int) -> str:
    return base64.b64encode(f"arrayconnection:{offset}".encode()).decode()


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    "arguments",
    [
        f'after: "{cursor(0)}", before: "{cursor(0)}"',  # the page would end before it starts: hasNextPage
        f'after: "{cursor(3)}", before: "{cursor(1)}"',
        f'after: "{cursor(1)}", before: "{cursor(0)}", first: 1',
        f'after: "{cursor(0)}", before: "{cursor(2)}"',
    ],
)
def test_a_page_ending_before_its_start_answers_as_the_general_path(gql, settings, tenant_a, design, arguments):
    """after at or past before: the general path's hasNextPage is its overfetch test (rows == size + 1), true
    for a size of -1 only; the compiled path said true for any negative size."""
    query = f"""{{ ticketDefinitions({arguments}) {{
      totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} edges {{ cursor node {{ title }} }}
    }} }}"""
    compiled, general = both_paths(gql, settings, query, None, tenant_a.token)
    assert compiled == general
    assert "errors" not in json.loads(compiled)


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    "page",
    [
        f'after: "{cursor(0)}"',
        f'after: "{cursor(1)}"',
        f'after: "{cursor(99)}"',
        "first: 0",  # prefetched: no next page (the compiled path counted the overfetched row)
        f'first: 0, after: "{cursor(0)}"',  # prefetched: no previous page either
    ],
)
@pytest.mark.parametrize(
    "selection",
    [
        "pageInfo { hasPreviousPage hasNextPage }",
        "totalCount edges { cursor } pageInfo { hasPreviousPage hasNextPage startCursor endCursor }",
        "edges { node { __typename } } pageInfo { hasPreviousPage }",
        "edges { node @include(if: $shown) { title } } pageInfo { hasPreviousPage }",
        "edges { node { title } } pageInfo { hasPreviousPage hasNextPage }",
    ],
)
@pytest.mark.parametrize("shown", [True, False])
def test_a_nested_page_answers_as_the_general_path(gql, settings, tenant_a, design, page, selection, shown):
    """strawberry-django prefetches a nested connection only when its edges' node is selected; otherwise the
    page is strawberry's, whose hasPreviousPage is true past the first row even when the page is empty. The
    compiled path applied the prefetched rule (no row, no previous page) to every nested connection, and
    counted the overfetched row of an empty prefetched page (first: 0) as a next page and a previous one."""
    query = f"""query($shown: Boolean!) {{
      __typename @include(if: $shown)
      workflowDefinitions {{ edges {{ node {{ ticketDefinitions({page}) {{ {selection} }} }} }} }}
      ticketDefinitions {{ edges {{ node {{ workflow {{
        ticketDefinitions({page}) {{ {selection} }}
      }} }} }} }}
    }}"""
    compiled, general = both_paths(gql, settings, query, {"shown": shown}, tenant_a.token)
    assert compiled == general
    assert "errors" not in json.loads(compiled)


@postgresql_only
@pytest.mark.django_db(transaction=True)  # autocommit, as served: the other root field runs after the failure
def test_a_statement_timeout_is_located_at_the_aliased_field_as_on_the_general_path(gql, settings, tenant_a, design):
    """The statement timeout applies to the compiled statement (here: waiting on a lock) and answers TIMEOUT at
    the field's alias, the other root fields answered, exactly as the general path answers it."""
    query = "{ mine: workflowDefinitions { totalCount edges { node { title } } } roles: companyRoles { totalCount } }"
    params = connection.get_connection_params()
    answers = []
    for compiled in (True, False):
        settings.GRAPHQL_COMPILED_READS = compiled
        with psycopg.connect(**{k: params[k] for k in ("host", "port", "user", "dbname") if k in params}) as locker:
            locker.execute("LOCK TABLE workflow_definitions IN ACCESS EXCLUSIVE MODE")
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 300")
            try:
                body = gql.post(query, token=tenant_a.token, HTTP_CACHE_CONTROL="no-cache")
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("RESET statement_timeout")
        for error in body.get("errors", []):
            error["extensions"].pop("requestId")
        answers.append(body)
    assert answers[0] == answers[1]
    assert answers[0]["data"] == {"mine": None, "roles": {"totalCount": 1}}
    assert [(e["path"], e["extensions"]["code"]) for e in answers[0]["errors"]] == [(["mine"], "TIMEOUT")]


@postgresql_only
@pytest.mark.django_db
def test_a_user_without_workflow_creator_sees_what_the_general_path_shows(gql, settings, tenant_a, design, caplog):
    caplog.set_level(logging.DEBUG, logger=COMPILED_LOGGER)
    agent_token = design[2]
    query = """{
      ticketDefinitions(order: {title: ASC}) { totalCount edges { cursor node {
        id title fields companyRoleAccess createdAt
        workflow {
          id title tasks { key outgoing { toTask { key } } }
          ticketDefinitions { totalCount edges { node { title } } }
        }
      } } }
      secondPage: ticketDefinitions(first: 1, after: "YXJyYXljb25uZWN0aW9uOjA=") {
        totalCount pageInfo { hasPreviousPage hasNextPage }
      }
      taskDefinitions(first: 2) { totalCount }
    }"""
    compiled, general = both_paths(gql, settings, query, None, agent_token)
    assert compiled == general
    answer = json.loads(compiled)
    (ticket,) = [edge["node"] for edge in answer["data"]["ticketDefinitions"]["edges"]]
    assert ticket["title"] == "Outage"
    assert ticket["workflow"]["ticketDefinitions"] == {"totalCount": 1, "edges": [{"node": {"title": "Outage"}}]}
    assert answer["data"]["taskDefinitions"] is None  # FORBIDDEN, as on the general path
    assert compiled_fields(caplog)["ticketDefinitions"] == "compiled"


@postgresql_only
@pytest.mark.django_db
def test_the_response_cache_keeps_and_serves_compiled_answers(gql, tenant_a, design, caplog):
    caplog.set_level(logging.DEBUG, logger=COMPILED_LOGGER)
    query = "{ workflowDefinitions { edges { node { id title createdAt tasks { key } } } } }"
    first = gql.client.post(
        "/graphql/", {"query": query}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {tenant_a.token}"
    )
    second = gql.client.post(
        "/graphql/", {"query": query}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {tenant_a.token}"
    )
    assert (first["X-Response-Cache"], second["X-Response-Cache"]) == ("miss", "hit")
    assert second.json() == first.json()
    assert len(second.json()["data"]["workflowDefinitions"]["edges"]) == 2
    assert compiled_fields(caplog) == {"workflowDefinitions": "compiled"}


# Generated selections over the workflow design types, from the schema: any field that takes no argument but a
# connection's page, aliased or not, with or without __typename, nested up to MAX_DEPTH object levels.
_GRAPHQL = graphql_core_schema(schema)
MAX_DEPTH = 3
_PAGE = (
    "",
    "(first: 1)",
    "(first: 2)",
    '(first: 1, after: "YXJyYXljb25uZWN0aW9uOjA=")',
    "(first: 0)",
    '(first: 0, after: "YXJyYXljb25uZWN0aW9uOjA=")',
    '(after: "YXJyYXljb25uZWN0aW9uOjk5")',
)


def _selectable(type_name: str) -> list[str]:
    graphql_type = _GRAPHQL.type_map[type_name]
    return sorted(
        name
        for name, field in graphql_type.fields.items()
        if not any(is_required_argument(arg) for arg in field.args.values())
    )


@st.composite
def selections(draw, type_name: str, depth: int = 0) -> str:
    """Fields of `type_name`, each maybe aliased, under @include/@skip($shown), or in an inline fragment on
    the type."""
    graphql_type = _GRAPHQL.type_map[type_name]
    names = draw(st.lists(st.sampled_from(_selectable(type_name)), min_size=1, max_size=6, unique=True))
    parts = []
    if draw(st.booleans()):
        parts.append("__typename")
    for index, name in enumerate(names):
        field = graphql_type.fields[name]
        named = get_named_type(field.type)
        alias = f"a{index}: " if draw(st.integers(0, 4)) == 0 else ""
        arguments = draw(st.sampled_from(_PAGE)) if "first" in field.args else ""
        if not hasattr(named, "fields"):
            part = f"{alias}{name}"
        elif depth < MAX_DEPTH:
            part = f"{alias}{name}{arguments} {{ {draw(selections(named.name, depth + 1))} }}"
        else:
            continue
        wrapping = draw(st.integers(0, 7))
        if wrapping == 0:
            part = (
                f"{part} @include(if: $shown)" if " {" not in part else part.replace(" {", " @include(if: $shown) {", 1)
            )
        elif wrapping == 1:
            part = f"{part} @skip(if: $shown)" if " {" not in part else part.replace(" {", " @skip(if: $shown) {", 1)
        elif wrapping == 2:
            part = f"... on {type_name} {{ {part} }}"
        parts.append(part)
    return " ".join(parts) or "__typename"


_ROOTS = {
    "workflowDefinitions(first: 2, order: {title: DESC})": "WorkflowDefinitionConnection",
    "taskDefinitions(first: 3, order: {key: ASC})": "TaskDefinitionConnection",
    "ticketDefinitions": "TicketDefinitionConnection",
    "workflowDefinition(id: $id)": "WorkflowDefinition",
}


@st.composite
def operations(draw) -> str:
    root = draw(st.sampled_from(sorted(_ROOTS)))
    # $id and $shown are used whatever the selection drew (an unused variable is a validation error).
    always = "__typename @include(if: $shown) check: workflowDefinition(id: $id) { id }"
    selected = draw(selections(_ROOTS[root], 0))
    return f"query($id: ID!, $shown: Boolean!) {{ {always} {root} {{ {selected} }} }}"


@postgresql_only
@pytest.mark.django_db
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=operations(), shown=st.booleans())
def test_generated_selections_answer_alike(gql, settings, tenant_a, design, query, shown):
    variables = {"id": gid(design[0]), "shown": shown}
    compiled, general = both_paths(gql, settings, query, variables, tenant_a.token)
    assert compiled == general, query
    assert not crosscheck.MISMATCHES, query


def test_only_postgresql_takes_the_compiled_path(settings):
    assert compiled_reads_enabled() is (connection.vendor == "postgresql")
    settings.GRAPHQL_COMPILED_READS = False
    assert not compiled_reads_enabled()


@postgresql_only
@pytest.mark.django_db
def test_a_kept_statement_follows_a_new_grant(gql, tenant_a, design):
    """A kept statement reads the grants when it runs: a new one shows at once."""
    query = "{ ticketDefinitions { edges { node { title } } } }"

    def titles() -> list[str]:
        answer = gql.post(query, token=design[2], HTTP_CACHE_CONTROL="no-cache")["data"]["ticketDefinitions"]
        return [edge["node"]["title"] for edge in answer["edges"]]

    assert titles() == ["Outage"]
    build_ticket_definition(design[1], title="Newly granted", roles=["support_agent"])
    assert titles() == ["Outage", "Newly granted"]


@postgresql_only
@pytest.mark.django_db
def test_a_kept_statement_follows_a_role_taken_away(gql, tenant_a, design):
    """Statements are kept per user and permissions: without workflow_creator the scoping rules differ."""
    designer, token = tenant_a.user(system_roles=["workflow_creator"], company_roles=["support_agent"])
    query = "{ ticketDefinitions { totalCount } }"
    assert gql.data(query, token=token)["ticketDefinitions"]["totalCount"] == 3
    user_services.user_set_roles(
        acting_user=tenant_a.admin, user_id=gid(designer), system_roles=[], company_roles=["support_agent"]
    )
    body = gql.post(query, token=token, HTTP_CACHE_CONTROL="no-cache")
    assert body["data"]["ticketDefinitions"]["totalCount"] == 1


@postgresql_only
@pytest.mark.django_db
def test_an_answer_orjson_refuses_keeps_its_compiled_fields(gql, tenant_a, design):
    """An integer beyond 64 bits (in a JSON column) sends the whole response to the json module: the compiled
    root fields are written there too."""
    task = TaskDefinition.objects.filter(workflow=design[0]).order_by("position").first()
    TaskDefinition.objects.filter(pk=task.pk).update(input_schema={"maximum": 2**70})
    query = """query($id: ID!) {
      node(id: $id) { ... on TaskDefinition { inputSchema } }
      taskDefinitions(first: 1) { edges { node { key inputSchema } } }
    }"""
    answer = gql.data(query, {"id": gid(task)}, token=tenant_a.token)
    assert answer["node"] == {"inputSchema": {"maximum": 2**70}}
    assert answer["taskDefinitions"]["edges"][0]["node"] == {"key": task.key, "inputSchema": {"maximum": 2**70}}


@postgresql_only
@pytest.mark.django_db
def test_timestamps_and_stored_json_as_the_general_path_writes_them(gql, settings, tenant_a, design):
    """Python's isoformat leaves out microseconds when they are 0; JSON columns keep jsonb's key order, escapes,
    numbers and nulls; extRef entries may miss an optional key or carry others."""
    whole_second = datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC)
    TaskDefinition.objects.filter(workflow=design[0], position=0).update(
        created_at=whole_second,
        updated_at=whole_second.replace(microsecond=7),
        input_schema={"zeta": [1.5, -0.0, 10**20, None, True], 'a"b': "line\n\u2028 é 😀", "": {}},
        ext_ref=[{"Label": "a label", "URI": "https://example.com", "Other": 1}],
    )
    query = """query($id: ID!) { workflowDefinition(id: $id) {
      tasks { key createdAt updatedAt inputSchema extRef { label uri desc } }
    } }"""
    compiled, general = both_paths(gql, settings, query, {"id": gid(design[0])}, tenant_a.token)
    assert compiled == general
    first = json.loads(compiled)["data"]["workflowDefinition"]["tasks"][0]
    assert (first["createdAt"], first["updatedAt"]) == ("2026-03-01T12:30:05+00:00", "2026-03-01T12:30:05.000007+00:00")
    assert first["extRef"] == [{"label": "a label", "uri": "https://example.com", "desc": None}]


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize("stored", [[1, "sre"], ["sre", None], "sre", {"sre": True}], ids=str)
def test_a_string_list_column_holding_other_json_is_left_to_the_general_path(
    gql, settings, tenant_a, design, caplog, stored
):
    """companyRoleAccess ([String!]!) is a JSON column: stored otherwise than as a list of strings (the API
    never writes it so, a migration or a hand edit may), the general path writes numbers as text and reports
    the rest; the compiled path wrote the stored JSON as is."""
    caplog.set_level(logging.DEBUG, logger=COMPILED_LOGGER)
    TicketDefinition.objects.filter(title="Outage").update(company_role_access=stored)
    query = "{ ticketDefinitions { edges { node { title companyRoleAccess } } } }"
    compiled, general = both_paths(gql, settings, query, None, tenant_a.token)
    assert compiled == general
    assert compiled_fields(caplog)["ticketDefinitions"] == "its rows hold a value only the general path answers"


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ({"Label": "no uri"}, "Cannot return null for non-nullable field ExtRef.uri."),
        ({"Label": 7, "URI": "https://example.com"}, None),  # the general path writes the number as text
    ],
    ids=["null-in-non-null", "number-for-string"],
)
def test_a_value_the_compiled_path_cannot_write_is_left_to_the_general_path(
    gql, settings, tenant_a, design, caplog, entry, error
):
    caplog.set_level(logging.DEBUG, logger=COMPILED_LOGGER)
    TaskDefinition.objects.filter(workflow=design[0], position=1).update(ext_ref=[entry])
    query = "query($id: ID!) { workflowDefinition(id: $id) { tasks { key extRef { label uri } } } }"
    compiled, general = both_paths(gql, settings, query, {"id": gid(design[0])}, tenant_a.token)
    assert compiled == general
    answer = json.loads(compiled)
    if error is None:
        assert answer["data"]["workflowDefinition"]["tasks"][1]["extRef"][0]["label"] == "7"
    else:
        assert answer["data"] == {"workflowDefinition": None}
        assert answer["errors"][0]["path"] == ["workflowDefinition", "tasks", 1, "extRef", 0, "uri"]
    assert compiled_fields(caplog)["workflowDefinition"] == "its rows hold a value only the general path answers"
