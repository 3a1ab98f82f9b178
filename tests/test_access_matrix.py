"""Access control for every query field, generated from the schema itself.

A new query field is covered without editing this file: it must declare who
may call it (a permission extension), anonymous callers get UNAUTHENTICATED,
callers without the system role get FORBIDDEN, and another company's objects
are invisible: null for a single object (exactly as for a nonexistent id),
absent from lists.
"""

import pytest
from graphql import GraphQLObjectType, get_named_type
from strawberry.permission import PermissionExtension
from strawberry.utils.str_converters import to_camel_case

from schema import Query, schema
from schema.base import HasSystemPermission, IsAuthenticated
from tests.builders import build_ticket_definition, build_workflow

GRAPHQL_QUERY_FIELDS = schema._schema.query_type.fields
STRAWBERRY_QUERY_FIELDS = {to_camel_case(f.python_name): f for f in Query.__strawberry_definition__.fields}
UNUSED_ID = "987654321"


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


def is_paginated(field) -> bool:
    named = get_named_type(field.type)
    return isinstance(named, GraphQLObjectType) and "results" in named.fields


def item_type_name(field) -> str:
    named = get_named_type(field.type)
    if is_paginated(field):
        named = get_named_type(named.fields["results"].type)
    return named.name


def operation(field_name: str, field) -> str:
    selection = "{ totalCount results { id } }" if is_paginated(field) else "{ id }"
    if "id" in field.args:
        return f"query($id: ID!) {{ {field_name}(id: $id) {selection} }}"
    return f"{{ {field_name} {selection} }}"


def variables_for(field, object_id: str | None = None) -> dict:
    return {"id": object_id or UNUSED_ID} if "id" in field.args else {}


@pytest.fixture
def company_a_objects(tenant_a) -> dict[str, list[str]]:
    """Ids of company A's objects, by GraphQL type name."""
    workflow = build_workflow(tenant_a.admin)
    ticket = build_ticket_definition(workflow, roles=["support_agent"])
    role_holder, _ = tenant_a.user(company_roles=["support_agent"])
    return {
        "WorkflowDefinition": [str(workflow.pk)],
        "TaskDefinition": [str(pk) for pk in workflow.tasks.values_list("pk", flat=True)],
        "TicketDefinition": [str(ticket.pk)],
        "User": [str(tenant_a.admin.pk), str(role_holder.pk)],
        "CompanyRole": [str(pk) for pk in tenant_a.company.roles.values_list("pk", flat=True)],
    }


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
    body = gql.post(operation(name, field), variables_for(field))
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
    assert body["errors"][0]["path"] == [name]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "field"), FIELDS, ids=FIELD_IDS)
def test_user_without_system_roles(gql, tenant_a, company_a_objects, name, field):
    """FORBIDDEN where a system role is required; where login suffices, nothing of the
    company's definitions (no company role grants them)."""
    _, token = tenant_a.user()
    ids = company_a_objects.get(item_type_name(field), [None])
    body = gql.post(operation(name, field), variables_for(field, ids[0]), token=token)
    requirement = declared_requirement(name)
    if requirement != "login":
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
        return
    assert "errors" not in body, body
    if item_type_name(field) in {"WorkflowDefinition", "TaskDefinition", "TicketDefinition"}:
        value = body["data"][name]
        assert value is None or value == {"totalCount": 0, "results": []}, body


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "field"), FIELDS, ids=FIELD_IDS)
def test_another_company_cannot_see_company_a_objects(gql, tenant_a, tenant_b, company_a_objects, name, field):
    type_name = item_type_name(field)
    company_a_ids = company_a_objects.get(type_name)
    assert company_a_ids, f"add company A objects of type {type_name} to the company_a_objects fixture"
    query = operation(name, field)

    # Company A's own creator/admin sees them (so the check below is not vacuous).
    own = gql.data(query, variables_for(field, company_a_ids[0]), token=tenant_a.token)[name]
    own_ids = {r["id"] for r in own["results"]} if is_paginated(field) else {own["id"]}
    assert own_ids & set(company_a_ids)

    if "id" in field.args:
        for object_id in company_a_ids:
            foreign = gql.post(query, {"id": object_id}, token=tenant_b.token)
            nonexistent = gql.post(query, {"id": UNUSED_ID}, token=tenant_b.token)
            assert foreign == nonexistent == {"data": {name: None}}
    else:
        seen = gql.data(query, token=tenant_b.token)[name]
        seen_ids = {r["id"] for r in seen["results"]} if is_paginated(field) else {seen["id"]}
        assert not seen_ids & set(company_a_ids), f"company B sees company A's {type_name}: {seen_ids}"
