"""Company administration: users and company roles, own company only, company_admin only."""

import pytest
from django.contrib.auth.models import Group
from guardian.models import GroupObjectPermission

from conftest import PASSWORD
from kernel.global_ids import global_id
from tests.builders import build_ticket_definition, build_workflow
from tests.support.ids import gid
from users.models import Company, CompanyRole

USERS = "{ users { totalCount edges { node { username company { name } systemRoles companyRoles } } } }"
ROLES = "{ companyRoles { totalCount edges { node { name description } } } }"
CREATE_USER = """
mutation($input: CreateUserInput!) {
  createUser(input: $input) { user { id username systemRoles companyRoles } errors { code message path } }
}"""
UPDATE_ROLES = """
mutation($id: ID!, $system: [String!]!, $company: [String!]!) {
  updateUserRoles(userId: $id, systemRoles: $system, companyRoles: $company) {
    user { username systemRoles companyRoles } errors { code message path }
  }
}"""
CREATE_ROLE = """
mutation($name: String!) {
  createCompanyRole(name: $name, description: "Answers tickets") { companyRole { name } errors { code path } }
}"""
DELETE_ROLE = "mutation($name: String!) { deleteCompanyRole(name: $name) { ok errors { code message path } } }"

# Every admin operation with variables that would succeed for the company's admin.
ADMIN_OPERATIONS = [
    ("users", USERS, {}),
    ("companyRoles", ROLES, {}),
    ("createUser", CREATE_USER, {"input": {"username": "newbie", "email": "n@example.com", "password": PASSWORD}}),
    ("updateUserRoles", UPDATE_ROLES, {"id": "0", "system": [], "company": []}),
    ("createCompanyRole", CREATE_ROLE, {"name": "support_agent"}),
    ("deleteCompanyRole", DELETE_ROLE, {"name": "support_agent"}),
]


def new_user(gql, tenant, **fields) -> dict:
    user_input = {"username": "agent", "email": "agent@example.com", "password": PASSWORD} | fields
    return gql.data(CREATE_USER, {"input": user_input}, token=tenant.token)["createUser"]


@pytest.mark.django_db
class TestAdminOperations:
    def test_admin_creates_roles_and_users_and_sets_roles(self, gql, tenant_a):
        assert gql.data(CREATE_ROLE, {"name": "support_agent"}, token=tenant_a.token)["createCompanyRole"] == {
            "companyRole": {"name": "support_agent"},
            "errors": [],
        }
        created = new_user(gql, tenant_a, systemRoles=["workflow_creator"], companyRoles=["support_agent"])
        assert created["errors"] == []
        assert created["user"]["systemRoles"] == ["workflow_creator"]
        assert created["user"]["companyRoles"] == ["support_agent"]

        updated = gql.data(
            UPDATE_ROLES,
            {"id": created["user"]["id"], "system": ["company_admin"], "company": []},
            token=tenant_a.token,
        )["updateUserRoles"]
        assert updated == {
            "user": {"username": "agent", "systemRoles": ["company_admin"], "companyRoles": []},
            "errors": [],
        }
        listed = gql.data(USERS, token=tenant_a.token)["users"]
        assert listed["totalCount"] == 2
        assert {edge["node"]["username"] for edge in listed["edges"]} == {tenant_a.admin.username, "agent"}

    def test_unknown_roles_are_located(self, gql, tenant_a):
        created = new_user(gql, tenant_a, systemRoles=["workflow_creator", "root"], companyRoles=["ghost"])
        assert created["user"] is None
        assert {(p["code"], p["path"]) for p in created["errors"]} == {
            ("UNKNOWN_ROLE", "/systemRoles/1"),
            ("UNKNOWN_ROLE", "/companyRoles/0"),
        }

    def test_role_names_are_checked_and_unique_per_company(self, gql, tenant_a, tenant_b):
        assert gql.data(CREATE_ROLE, {"name": "Support Agent"}, token=tenant_a.token)["createCompanyRole"][
            "errors"
        ] == [{"code": "INVALID_KEY", "path": "/name"}]
        for tenant in (tenant_a, tenant_b):  # the same name in two companies is fine
            assert gql.data(CREATE_ROLE, {"name": "sre"}, token=tenant.token)["createCompanyRole"]["errors"] == []
        again = gql.data(CREATE_ROLE, {"name": "sre"}, token=tenant_a.token)["createCompanyRole"]
        assert again["errors"] == [{"code": "DUPLICATE", "path": "/name"}]

    def test_admin_cannot_remove_own_admin_role(self, gql, tenant_a):
        payload = gql.data(
            UPDATE_ROLES, {"id": gid(tenant_a.admin), "system": [], "company": []}, token=tenant_a.token
        )["updateUserRoles"]
        assert payload["errors"][0]["code"] == "FORBIDDEN"

    def test_delete_role(self, gql, tenant_a):
        gql.data(CREATE_ROLE, {"name": "sre"}, token=tenant_a.token)
        assert gql.data(DELETE_ROLE, {"name": "sre"}, token=tenant_a.token)["deleteCompanyRole"] == {
            "ok": True,
            "errors": [],
        }
        missing = gql.data(DELETE_ROLE, {"name": "sre"}, token=tenant_a.token)["deleteCompanyRole"]
        assert missing["errors"][0]["code"] == "NOT_FOUND"


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "query", "variables"), ADMIN_OPERATIONS, ids=[op[0] for op in ADMIN_OPERATIONS])
class TestAdminOperationsAreRefused:
    def test_to_anonymous(self, gql, field, query, variables):
        body = gql.post(query, variables)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert body["errors"][0]["path"] == [field]

    def test_to_a_user_without_company_admin(self, gql, tenant_a, field, query, variables):
        _, token = tenant_a.user(system_roles=["workflow_creator"], company_roles=["support_agent"])
        body = gql.post(query, variables, token=token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "company_admin" in body["errors"][0]["message"]


@pytest.mark.django_db
class TestCompanyIsolation:
    def test_admin_sees_only_own_users_and_roles(self, gql, tenant_a, tenant_b):
        gql.data(CREATE_ROLE, {"name": "globex_only"}, token=tenant_b.token)
        tenant_b.user(company_roles=["globex_only"])
        users = gql.data(USERS, token=tenant_a.token)["users"]
        assert users["totalCount"] == 1
        assert [edge["node"]["company"]["name"] for edge in users["edges"]] == ["Acme"]
        assert gql.data(ROLES, token=tenant_a.token)["companyRoles"] == {"totalCount": 0, "edges": []}

    def test_admin_cannot_touch_another_companys_user_or_role(self, gql, tenant_a, tenant_b):
        gql.data(CREATE_ROLE, {"name": "globex_only"}, token=tenant_b.token)
        victim, _ = tenant_b.user(company_roles=["globex_only"])

        unused = global_id("User", 999999)
        other_company = gql.data(
            UPDATE_ROLES, {"id": gid(victim), "system": ["company_admin"], "company": []}, token=tenant_a.token
        )["updateUserRoles"]
        nonexistent = gql.data(
            UPDATE_ROLES, {"id": unused, "system": ["company_admin"], "company": []}, token=tenant_a.token
        )["updateUserRoles"]
        assert other_company["errors"][0]["code"] == nonexistent["errors"][0]["code"] == "NOT_FOUND"
        assert other_company["errors"][0]["message"].replace(gid(victim), "N") == nonexistent["errors"][0][
            "message"
        ].replace(unused, "N")
        victim.refresh_from_db()
        assert [g.name for g in victim.groups.all()] == [f"company:{tenant_b.company.pk}:globex_only"]

        # Another company's role name can neither be granted nor deleted.
        granted = new_user(gql, tenant_a, companyRoles=["globex_only"])
        assert granted["errors"][0]["code"] == "UNKNOWN_ROLE"
        deleted = gql.data(DELETE_ROLE, {"name": "globex_only"}, token=tenant_a.token)["deleteCompanyRole"]
        assert deleted["errors"][0]["code"] == "NOT_FOUND"
        assert tenant_b.company.roles.filter(name="globex_only").exists()

    def test_me_shows_own_company_only(self, gql, tenant_a, tenant_b):
        me = gql.data("{ me { company { name } } }", token=tenant_b.token)["me"]
        assert me == {"company": {"name": "Globex"}}


@pytest.mark.django_db
class TestRowsWrittenOutsideTheServices:
    """What holds however a row is written (a shell, a data fix, a cascade), not only through the API."""

    @pytest.mark.parametrize("how", ["instance", "queryset", "company cascade"])
    def test_a_deleted_role_takes_its_group_and_grants_along(self, gql, tenant_a, how):
        holder, _ = tenant_a.user(company_roles=["sre"])
        ticket = build_ticket_definition(build_workflow(tenant_a.admin), roles=["sre"])
        role = tenant_a.company.roles.get(name="sre")
        if how == "instance":
            role.delete()
        elif how == "queryset":
            CompanyRole.objects.filter(pk=role.pk).delete()
        else:  # a company without users or definitions can be deleted: its roles cascade
            ticket.delete()
            empty = Company.objects.create(name="Empty")
            CompanyRole.objects.filter(pk=role.pk).update(company=empty)
            empty.delete()
        assert not Group.objects.filter(pk=role.group_id).exists()
        assert not holder.groups.exists()
        assert not GroupObjectPermission.objects.filter(group_id=role.group_id).exists()
        if how != "company cascade":
            created = gql.data(CREATE_ROLE, {"name": "sre"}, token=tenant_a.token)["createCompanyRole"]
            assert created == {"companyRole": {"name": "sre"}, "errors": []}

    def test_a_user_moved_to_another_company_keeps_only_system_roles(self, tenant_a, tenant_b):
        user, _ = tenant_a.user(system_roles=["workflow_creator"], company_roles=["sre"])
        before = [tenant_a.company.pk, tenant_b.company.pk]
        generations = dict(Company.objects.filter(pk__in=before).values_list("pk", "data_generation"))
        user.company = tenant_b.company
        user.save()
        assert [group.name for group in user.groups.all()] == ["workflow_creator"]
        after = dict(Company.objects.filter(pk__in=before).values_list("pk", "data_generation"))
        assert all(after[pk] > generations[pk] for pk in before)

    def test_a_role_name_taken_in_the_database_is_a_duplicate_not_an_error(self, gql, tenant_a):
        """The check before the insert can miss (a concurrent request, a group left behind): the
        database's refusal is answered like the check's."""
        Group.objects.create(name=CompanyRole.group_name(tenant_a.company.pk, "sre"))
        created = gql.data(CREATE_ROLE, {"name": "sre"}, token=tenant_a.token)["createCompanyRole"]
        assert created == {"companyRole": None, "errors": [{"code": "DUPLICATE", "path": "/name"}]}


@pytest.mark.django_db
def test_a_role_in_use_names_what_uses_it(gql, tenant_a):
    tenant_a.user(company_roles=["sre"])
    build_ticket_definition(build_workflow(tenant_a.admin), title="Outage", roles=["sre"])
    refused = gql.data(DELETE_ROLE, {"name": "sre"}, token=tenant_a.token)["deleteCompanyRole"]
    assert refused["errors"] == [
        {
            "code": "IN_USE",
            "message": "the role 'sre' is in use by ticket definition 'Outage'; take it out of those first",
            "path": "/name",
        }
    ]
