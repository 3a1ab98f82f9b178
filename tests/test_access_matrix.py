"""Access control for every query field, generated from the schema itself.

A new query field is covered without editing this file: it must declare who
may call it (a permission extension), anonymous callers get UNAUTHENTICATED,
callers without the system role get FORBIDDEN, and another company's objects
are invisible: a lookup by their id answers exactly as for a nonexistent id
(while company A's own answer differs from that), and lists never contain
them. Only a field whose arguments or id target cannot be derived needs a line
in the tables below (the test says which). `node` and `nodes`, whose id may name
any type, are run with the ids of every type that implements Node.
"""

import json

import pytest
from graphql import GraphQLObjectType, GraphQLScalarType, get_named_type, is_non_null_type
from strawberry.permission import PermissionExtension
from strawberry.utils.str_converters import to_camel_case

from kernel.global_ids import global_id
from schema import Query, schema
from schema.base import HasSystemPermission, IsAuthenticated
from tests.builders import build_ticket_definition
from tests.support.documents import example
from tests.support.ids import gid
from workflow_design.services import workflow_upload

GRAPHQL_QUERY_FIELDS = schema._schema.query_type.fields
STRAWBERRY_QUERY_FIELDS = {to_camel_case(f.python_name): f for f in Query.__strawberry_definition__.fields}
NODE_TYPES = sorted(schema._schema.get_implementations(schema._schema.get_type("Node")).objects, key=str)
UNUSED_PK = 987654321
# Values for required arguments other than ids, by GraphQL input type.
SAMPLE_ARGUMENTS = {"WorkflowInput": example, "JSON": dict, "DiagramFormat": lambda: "MERMAID"}
# The type an id argument (`id` or `...Id`) names, where it is not the type the field returns.
ID_TARGETS = {
    "exportWorkflow": "WorkflowDefinition",
    "workflowVersions": "WorkflowDefinition",
    "previewWorkflow": "WorkflowDefinition",
    "workflowDiff": "WorkflowDefinition",
    "workflowDiagram": "WorkflowDefinition",
}
# Fields that read no stored data (nothing of another company to leak).
STATELESS = {"validateWorkflow", "workflowLanguage"}
DESIGN_TYPES = {"WorkflowDefinition", "TaskDefinition", "WorkflowTransition", "TicketDefinition", "WorkflowVersion"}
# Fields whose id names an object of any type (each implements Node).
BY_ANY_ID = {"node", "nodes"}
# What a user without system roles and without company roles reads through the other fields: their company and
# its users (me.company, createdBy). Everything else is null to them through node, as for a nonexistent id.
READABLE_WITHOUT_ROLES = {"Company", "User"}


def unused_id(type_name: str) -> str:
    """A well-formed global id of that type naming no object."""
    return global_id(type_name, UNUSED_PK)


def declared_requirement(field_name: str) -> str:
    """'login' or the system permission a query field declares; fails for an unguarded field."""
    for extension in STRAWBERRY_QUERY_FIELDS[field_name].extensions:
        if isinstance(extension, PermissionExtension):
            for permission in extension.permissions:
                if isinstance(permission, HasSystemPermission):
                    return permission.permission
                if isinstance(permission, IsAuthenticated):
                    return "login"
    pytest.fail(f"query field {field_name} declares no permission extension")


def is_connection(field) -> bool:
    named = get_named_type(field.type)
    return isinstance(named, GraphQLObjectType) and "edges" in named.fields


def item_type_name(field) -> str:
    named = get_named_type(field.type)
    if is_connection(field):
        named = get_named_type(get_named_type(named.fields["edges"].type).fields["node"].type)
    return named.name


def id_target(name: str, field) -> str:
    return ID_TARGETS.get(name, item_type_name(field))


def selection(field) -> str:
    named = get_named_type(field.type)
    if isinstance(named, GraphQLScalarType):
        return ""
    if is_connection(field):
        return "{ totalCount edges { node { id } } }"
    return "{ id }" if "id" in named.fields else leaves(named)


def leaves(object_type, depth: int = 2) -> str:
    """Every argument-free field of an id-less result type, objects `depth` levels down."""
    selected = []
    for name, field in object_type.fields.items():
        named = get_named_type(field.type)
        if any(is_non_null_type(arg.type) for arg in field.args.values()):
            continue
        if isinstance(named, GraphQLObjectType):
            if depth > 1:
                selected.append(f"{name} {leaves(named, depth - 1)}")
        else:
            selected.append(name)
    return "{ " + " ".join(selected or ["__typename"]) + " }"


def id_argument(field) -> str | None:
    """The argument naming a stored object: `id`, or one like `workflowId`, or `ids`."""
    return next(
        (
            n
            for n in field.args
            if n in ("id", "ids") or (n.endswith("Id") and get_named_type(field.args[n].type).name == "ID")
        ),
        None,
    )


def passed_arguments(field) -> dict:
    return {n: a for n, a in field.args.items() if is_non_null_type(a.type) or n == id_argument(field)}


def operation(name: str, field) -> str:
    required = passed_arguments(field)
    if not required:
        return f"{{ {name} {selection(field)} }}"
    declared = ", ".join(f"${arg_name}: {arg.type}" for arg_name, arg in required.items())
    passed = ", ".join(f"{arg_name}: ${arg_name}" for arg_name in required)
    return f"query({declared}) {{ {name}({passed}) {selection(field)} }}"


def variables(name: str, field, object_id: str | None = None) -> dict:
    values = {}
    for arg_name, arg in passed_arguments(field).items():
        if arg_name == id_argument(field):
            object_id = object_id or unused_id(id_target(name, field))
            values[arg_name] = [object_id] if arg_name == "ids" else object_id
        else:
            type_name = get_named_type(arg.type).name
            assert type_name in SAMPLE_ARGUMENTS, f"add a sample {type_name} to SAMPLE_ARGUMENTS for {name}"
            values[arg_name] = SAMPLE_ARGUMENTS[type_name]()
    return values


def ids_in(value) -> set[str]:
    """Ids of the objects a response value holds (a connection, a list, an object, an exported document)."""
    if value is None:
        return set()
    if isinstance(value, list):
        return {item["id"] for item in value if item is not None}
    if "edges" in value:
        return {edge["node"]["id"] for edge in value["edges"]}
    return {value["id"]} if "id" in value else set()


@pytest.fixture
def company_a_objects(tenant_a) -> dict[str, list[str]]:
    """Global ids of company A's objects, by GraphQL type name: every type that implements Node."""
    workflow = workflow_upload(acting_user=tenant_a.admin, document=example()).row
    ticket = build_ticket_definition(workflow, roles=["support_agent"])
    role_holder, _ = tenant_a.user(company_roles=["support_agent"])
    objects = {
        "Company": [tenant_a.company],
        "WorkflowDefinition": [workflow],
        "TaskDefinition": list(workflow.tasks.all()),
        "WorkflowTransition": list(workflow.transitions.all()),
        "TicketDefinition": [ticket],
        "WorkflowVersion": list(workflow.versions.all()),
        "User": [tenant_a.admin, role_holder],
        "CompanyRole": list(tenant_a.company.roles.all()),
    }
    assert set(objects) == {node_type.name for node_type in NODE_TYPES}, "add company A objects of the new type"
    return {type_name: [gid(row) for row in rows] for type_name, rows in objects.items()}


FIELDS = sorted(GRAPHQL_QUERY_FIELDS.items())
FIELD_IDS = [name for name, _ in FIELDS]


def test_every_query_field_declares_who_may_call_it():
    for name in GRAPHQL_QUERY_FIELDS:
        assert declared_requirement(name)


def test_http_introspection_lists_the_fields_the_matrix_covers(gql, tenant_a):
    listed = gql.data("{ __schema { queryType { fields { name } } } }", token=tenant_a.token)
    assert {f["name"] for f in listed["__schema"]["queryType"]["fields"]} == set(GRAPHQL_QUERY_FIELDS)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "field"), FIELDS, ids=FIELD_IDS)
def test_anonymous_gets_unauthenticated(gql, name, field):
    body = gql.post(operation(name, field), variables(name, field))
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
    assert body["errors"][0]["path"] == [name]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "field"), FIELDS, ids=FIELD_IDS)
def test_user_without_system_roles(gql, tenant_a, company_a_objects, name, field):
    """FORBIDDEN where a system role is required; where login suffices, nothing of the
    company's definitions (no company role grants them), and through node(s) only what
    the other fields show them."""
    _, token = tenant_a.user()
    targets = [node_type.name for node_type in NODE_TYPES] if name in BY_ANY_ID else [id_target(name, field)]
    for target in targets:
        object_id = company_a_objects.get(target, [unused_id(target)])[0]
        body = gql.post(operation(name, field), variables(name, field, object_id), token=token)
        if declared_requirement(name) != "login":
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
            return
        assert "errors" not in body, body
        if name in BY_ANY_ID:
            assert ids_in(body["data"][name]) == ({object_id} if target in READABLE_WITHOUT_ROLES else set()), body
        elif item_type_name(field) in DESIGN_TYPES:
            assert ids_in(body["data"][name]) == set(), body


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "field"), FIELDS, ids=FIELD_IDS)
def test_another_company_cannot_see_company_a_objects(gql, tenant_a, tenant_b, company_a_objects, name, field):
    if name in STATELESS:
        return
    query = operation(name, field)
    targets = [node_type.name for node_type in NODE_TYPES] if name in BY_ANY_ID else [id_target(name, field)]
    for target in targets:
        assert target in company_a_objects, f"add company A objects of type {target} to company_a_objects"
        if id_argument(field):
            assert_lookups_alike(gql, tenant_a, tenant_b, name, field, company_a_objects[target], unused_id(target))
            continue
        company_a_ids = set(company_a_objects[target])
        assert ids_in(gql.data(query, variables(name, field), token=tenant_a.token)[name]) & company_a_ids
        seen = ids_in(gql.data(query, variables(name, field), token=tenant_b.token)[name])
        assert not seen & company_a_ids, f"company B sees company A's {target}: {seen & company_a_ids}"


def assert_lookups_alike(gql, tenant_a, tenant_b, name, field, object_ids: list[str], nonexistent_id: str) -> None:
    """Company A's own objects answer otherwise than a nonexistent id; to company B, exactly alike."""
    query = operation(name, field)
    for object_id in object_ids:
        own = gql.post(query, variables(name, field, object_id), token=tenant_a.token)
        own_nonexistent = gql.post(query, variables(name, field, nonexistent_id), token=tenant_a.token)
        assert same_answer(own, own_nonexistent, object_id, nonexistent_id) is False, (
            f"company A's answer for its own {object_id} is that of a nonexistent id: the check below would be vacuous"
        )
        foreign = gql.post(query, variables(name, field, object_id), token=tenant_b.token)
        nonexistent = gql.post(query, variables(name, field, nonexistent_id), token=tenant_b.token)
        assert same_answer(foreign, nonexistent, object_id, nonexistent_id), (foreign, nonexistent)
        assert "errors" not in foreign


def same_answer(answer: dict, nonexistent_answer: dict, object_id: str, nonexistent_id: str) -> bool:
    """Equal, but for the id the caller sent themselves."""
    return json.dumps(answer).replace(f'"{object_id}"', '"<id>"') == json.dumps(nonexistent_answer).replace(
        f'"{nonexistent_id}"', '"<id>"'
    )
