"""What schema/library_internals.py says this project relies on, checked against the installed
graphql-core, strawberry and strawberry-django. A failure here means an upgrade changed
something the performance devices lean on: follow the README's "Upgrading the GraphQL
libraries" (check the device, re-measure with GRAPHQL_EXECUTION_SHORT_PATHS on and off,
then update the entry)."""

import inspect
from importlib import metadata

import pytest
from graphql import GraphQLObjectType
from strawberry import relay
from strawberry.relay import to_base64

from kernel.global_ids import global_id
from schema import library_internals as internals
from schema import schema as strawberry_schema
from schema.execution import _row_class_of
from workflow_design.models import WorkflowDefinition

UPGRADE = "see the README's 'Upgrading the GraphQL libraries' and schema/library_internals.py"
CORE = internals.graphql_core_schema(strawberry_schema)


def parameters(function) -> tuple[str, ...]:
    return tuple(inspect.signature(function).parameters)


@pytest.mark.parametrize("distribution", sorted(internals.TESTED_VERSIONS))
def test_the_libraries_are_the_versions_last_checked(distribution):
    installed, checked = metadata.version(distribution), internals.TESTED_VERSIONS[distribution]
    assert installed == checked, (
        f"{distribution} {installed} is installed, the devices were checked with {checked}: {UPGRADE}"
    )


@pytest.mark.parametrize("method", sorted(internals.EXECUTOR_METHODS))
def test_the_executor_methods_execution_relies_on(method):
    found = getattr(internals.EXECUTOR, method, None)
    assert found is not None, f"graphql-core's Executor has no {method} any more: {UPGRADE}"
    assert parameters(found) == internals.EXECUTOR_METHODS[method], f"Executor.{method} changed: {UPGRADE}"


def test_the_strawberry_members_the_devices_override():
    assert isinstance(inspect.getattr_static(internals.STRAWBERRY_FIELD, "is_basic_field"), property), UPGRADE
    assert parameters(internals.STRAWBERRY_FIELD.get_result) == internals.STRAWBERRY_FIELD_GET_RESULT, UPGRADE
    assert parameters(internals.OPTIMIZER.resolve) == internals.OPTIMIZER_RESOLVE, UPGRADE


def test_the_schema_holds_what_the_short_paths_read():
    workflow = CORE.get_type("WorkflowDefinition")
    assert isinstance(workflow, GraphQLObjectType), UPGRADE
    assert internals.STRAWBERRY_DEFINITION in (workflow.extensions or {}), UPGRADE
    # A plain column resolves through strawberry's basic-field resolver, marked as the default one.
    title = workflow.fields["title"].resolve
    assert getattr(title, "_is_default", False) is True, UPGRADE
    assert title.__name__ == internals.BASIC_FIELD_RESOLVER, UPGRADE
    # strawberry-django's is_type_of, from the module the execution context recognises it by.
    assert _row_class_of(workflow) is WorkflowDefinition, UPGRADE
    # A connection's edges have no is_type_of: graphql-core completes any value as one.
    assert CORE.get_type("WorkflowDefinitionEdge").is_type_of is None, UPGRADE
    assert _row_class_of(CORE.get_type("WorkflowDefinitionEdge")) is object, UPGRADE


def test_what_the_compiled_reads_recognise():
    """A nested connection without a resolver of its own reads its relation (strawberry-django's default
    resolver); one with a resolver (the root workflowVersions) does not; connections page as SliceMetadata says."""
    nested = CORE.get_type("WorkflowDefinition").fields["ticketDefinitions"].extensions[internals.STRAWBERRY_DEFINITION]
    assert internals.is_default_connection_resolver(nested.base_resolver.wrapped_func), UPGRADE
    own = CORE.get_type("Query").fields["workflowVersions"].extensions[internals.STRAWBERRY_DEFINITION]
    assert not internals.is_default_connection_resolver(own.base_resolver.wrapped_func), UPGRADE
    after = to_base64(internals.CURSOR_PREFIX, 4)
    page = internals.SliceMetadata.from_arguments(None, after=after, first=3, max_results=9)
    assert (page.start, page.end, page.expected) == (5, 8, 3), UPGRADE


def test_the_node_id_the_short_path_writes():
    """The `id` of every model type is strawberry's Node id, made by strawberry-django's resolve_model_id and
    Node's resolve_typename, whose GlobalID text is what kernel.global_ids writes."""
    for type_name in ("Company", "User", "CompanyRole", "WorkflowDefinition", "TaskDefinition", "WorkflowVersion"):
        object_type = CORE.get_type(type_name)
        assert internals.is_node_id_field(object_type.fields["id"].extensions[internals.STRAWBERRY_DEFINITION])
        assert internals.node_id_of_model_pk(object_type) == "id", (type_name, UPGRADE)
    assert "resolve_typename(root, info)" in inspect.getsource(internals.NODE_ID_RESOLVER), UPGRADE
    assert "GlobalID(type_name=type_name, node_id=str(node_id))" in inspect.getsource(internals.NODE_ID_RESOLVER)
    assert "return str(root.__dict__[id_attr])" in inspect.getsource(internals.MODEL_NODE_ID_RESOLVER), UPGRADE
    assert str(relay.GlobalID("WorkflowDefinition", "12")) == global_id("WorkflowDefinition", 12), UPGRADE


def test_the_executor_keeps_its_middleware_and_the_overlap_rule_its_budget():
    assert f"self.{internals.EXECUTOR_MIDDLEWARE_ATTRIBUTE} =" in inspect.getsource(internals.EXECUTOR.__init__), (
        UPGRADE
    )
    assert "MAX_COMPLEXITY_BUDGET" in internals.overlapping_fields_can_be_merged.__all__, UPGRADE


@pytest.mark.django_db
@pytest.mark.parametrize("enabled", [True, False])
def test_the_setting_switches_the_short_paths(gql, tenant_a, settings, monkeypatch, enabled):
    """GRAPHQL_EXECUTION_SHORT_PATHS off: every field takes graphql-core's path (the short path
    answers the same, so what is counted is which path completed the fields)."""
    settings.GRAPHQL_EXECUTION_SHORT_PATHS = enabled
    general = []
    original = internals.EXECUTOR.execute_field

    def counted(self, *args, **kwargs):
        general.append(args[0].name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(internals.EXECUTOR, "execute_field", counted)
    gql.data("{ me { username company { name } } }", token=tenant_a.token)
    # The root field always takes graphql-core's path; its plain columns only without short paths.
    assert ("User" in general) is not enabled


@pytest.mark.parametrize("given", [None, "B"])
def test_strawberry_keeps_the_operation_name_a_request_gave(given):
    from graphql import OperationType
    from strawberry.types.execution import ExecutionContext

    context = ExecutionContext(
        query="query A { __typename } query B { __typename }",
        schema=strawberry_schema,
        allowed_operations=[OperationType.QUERY],
        provided_operation_name=given,
    )
    assert internals.provided_operation_name(context) == given, UPGRADE
