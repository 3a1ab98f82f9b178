"""The Django admin: companies, users and roles editable; definitions read-only. Its edits keep
the API's invariants: role deletion through the service, refresh tokens revoked by a password
change, a moved user's old roles dropped, cached answers not outliving a permission change."""

import html
import json
import re

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from guardian.models import GroupObjectPermission

from conftest import PASSWORD, GraphQLClient
from tests.builders import build_ticket_definition, build_workflow
from tests.support.documents import example
from users.models import Company, CompanyRole, User
from users.roles import WORKFLOW_CREATOR
from workflow_design.services import workflow_upload

DEFINITION_MODELS = {
    "workflowdefinition",
    "taskdefinition",
    "workflowtransition",
    "ticketdefinition",
    "workflowversion",
}


@pytest.fixture
def admin_client(client, tenant_a):
    User.objects.create_superuser(
        username="root", email="root@example.com", password=PASSWORD, company=tenant_a.company
    )
    # The admin's own login form (django-axes watches it too).
    response = client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    workflow_upload(acting_user=tenant_a.admin, document=example())
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model",
    [m for m in admin.site._registry if m._meta.app_label in {"users", "workflow_design"}],
    ids=lambda m: m._meta.model_name,
)
def test_every_admin_page_opens(admin_client, model):
    meta = model._meta
    changelist = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert changelist.status_code == 200
    row = model._default_manager.first()
    if row is not None:
        assert (
            admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])).status_code
            == 200
        )
    add = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    # Definitions change only through the validated upload.
    assert add.status_code == (403 if meta.model_name in DEFINITION_MODELS else 200)


@pytest.mark.django_db
def test_a_company_role_added_in_the_admin_gets_its_group(admin_client, tenant_a):
    response = admin_client.post(
        reverse("admin:users_companyrole_add"),
        {"company": tenant_a.company.pk, "name": "auditor", "description": "Reads everything"},
    )
    assert response.status_code == 302
    role = tenant_a.company.roles.get(name="auditor")
    assert role.group.name == f"company:{tenant_a.company.pk}:auditor"


# --- admin edits keep the API's invariants ---------------------------------------------------

REFRESH = "mutation($token: String!) { refreshToken(refreshToken: $token) { errors { code path } } }"
LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { refreshToken errors { code } } }"
CREATE_ROLE = 'mutation { createCompanyRole(name: "sre") { companyRole { name } errors { code path } } }'
DEFINITIONS = "{ workflowDefinitions { totalCount } }"


@pytest.fixture
def api() -> GraphQLClient:
    """GraphQL from another client than the admin's (whose session would need a CSRF token)."""
    return GraphQLClient(Client())


def page_text(response) -> str:
    """The page's text, without its tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


def change_form_data(admin_client, url: str, **changes) -> dict:
    """The POST data of an admin change form as it stands, with `changes` applied."""
    form = admin_client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = changes.get(name, form[name].value())
        if field.disabled or value is None or value is False:
            continue
        if isinstance(field.widget, forms.MultiWidget):
            data |= {f"{name}_{i}": part or "" for i, part in enumerate(field.widget.decompress(value))}
        elif isinstance(value, list | tuple):
            data[name] = [str(getattr(item, "pk", item)) for item in value]
        else:
            data[name] = "on" if value is True else str(getattr(value, "pk", value))
    return data


def generation(company) -> int:
    return Company.objects.values_list("data_generation", flat=True).get(pk=company.pk)


@pytest.mark.django_db
class TestPasswordChangedInTheAdmin:
    def test_refresh_tokens_issued_before_are_refused(self, admin_client, api, tenant_a):
        before = api.data(LOGIN, {"u": tenant_a.admin.username, "p": PASSWORD})["login"]["refreshToken"]
        url = reverse("admin:auth_user_password_change", args=[tenant_a.admin.pk])
        new_password = "a-new-and-long-passphrase-17"
        response = admin_client.post(
            url, {"usable_password": "true", "password1": new_password, "password2": new_password}
        )
        assert response.status_code == 302
        assert api.data(REFRESH, {"token": before})["refreshToken"]["errors"] == [
            {"code": "INVALID_TOKEN", "path": "/refreshToken"}
        ]
        # Tokens issued after the change work.
        after = api.data(LOGIN, {"u": tenant_a.admin.username, "p": new_password})["login"]["refreshToken"]
        assert api.data(REFRESH, {"token": after})["refreshToken"]["errors"] == []

    def test_disabling_password_login_revokes_them_too(self, admin_client, api, tenant_a):
        before = api.data(LOGIN, {"u": tenant_a.admin.username, "p": PASSWORD})["login"]["refreshToken"]
        url = reverse("admin:auth_user_password_change", args=[tenant_a.admin.pk])
        assert admin_client.post(url, {"usable_password": "false", "unset-password": "1"}).status_code == 302
        assert api.data(REFRESH, {"token": before})["refreshToken"]["errors"][0]["code"] == "INVALID_TOKEN"


@pytest.mark.django_db
class TestCompanyRoleDeletedInTheAdmin:
    @pytest.fixture
    def sre(self, tenant_a):
        holder, _ = tenant_a.user(company_roles=["sre"])
        return tenant_a.company.roles.get(name="sre"), holder

    def test_a_role_in_use_is_protected(self, admin_client, tenant_a, sre):
        role, _holder = sre
        build_ticket_definition(build_workflow(tenant_a.admin), title="Outage", roles=["sre"])
        url = reverse("admin:users_companyrole_delete", args=[role.pk])
        for response in (admin_client.get(url), admin_client.post(url, {"post": "yes"})):
            assert response.status_code == 200
            assert "Cannot delete company role" in page_text(response)
            assert "ticket definition 'Outage' uses the company role 'sre'" in page_text(response)
        assert CompanyRole.objects.filter(pk=role.pk).exists()

    def test_a_deleted_role_takes_its_group_holders_and_grants_along(self, admin_client, api, tenant_a, sre):
        role, holder = sre
        grant = GroupObjectPermission.objects.create(
            group=role.group,
            permission=Permission.objects.get(codename="view_company"),
            content_type=ContentType.objects.get_for_model(Company),
            object_pk=str(tenant_a.company.pk),
        )
        url = reverse("admin:users_companyrole_delete", args=[role.pk])
        assert "Group: company:" in page_text(admin_client.get(url))  # the confirmation says what goes along
        assert admin_client.post(url, {"post": "yes"}).status_code == 302
        assert not Group.objects.filter(pk=role.group_id).exists()
        assert not GroupObjectPermission.objects.filter(pk=grant.pk).exists()
        assert not holder.groups.exists()
        # The name is free again (it was an internal error: the group name was still taken).
        created = api.data(CREATE_ROLE, token=tenant_a.token)["createCompanyRole"]
        assert created == {"companyRole": {"name": "sre"}, "errors": []}

    def test_delete_selected_goes_through_the_service_too(self, admin_client, tenant_a, sre):
        role, _holder = sre
        spare = CompanyRole.objects.create_with_group(company_id=tenant_a.company.pk, name="spare")
        build_ticket_definition(build_workflow(tenant_a.admin), title="Outage", roles=["sre"])
        changelist = reverse("admin:users_companyrole_changelist")
        action = {"action": "delete_selected", "_selected_action": [role.pk, spare.pk], "post": "yes"}
        refused = admin_client.post(changelist, action)
        assert refused.status_code == 200
        assert "ticket definition 'Outage' uses the company role 'sre'" in page_text(refused)
        assert CompanyRole.objects.filter(pk__in=[role.pk, spare.pk]).count() == 2

        action["_selected_action"] = [spare.pk]
        assert admin_client.post(changelist, action).status_code == 302
        assert not CompanyRole.objects.filter(pk=spare.pk).exists()
        assert not Group.objects.filter(pk=spare.group_id).exists()


@pytest.mark.django_db
class TestUserMovedInTheAdmin:
    def test_the_old_companys_roles_go_and_both_generations_move(self, admin_client, tenant_a, tenant_b):
        user, _ = tenant_a.user(system_roles=["workflow_creator"], company_roles=["sre"])
        before = generation(tenant_a.company), generation(tenant_b.company)
        url = reverse("admin:users_user_change", args=[user.pk])
        response = admin_client.post(url, change_form_data(admin_client, url, company=tenant_b.company.pk))
        assert response.status_code == 302, response.context["adminform"].form.errors
        user.refresh_from_db()
        assert user.company_id == tenant_b.company.pk
        assert [group.name for group in user.groups.all()] == ["workflow_creator"]
        assert generation(tenant_a.company) > before[0]
        assert generation(tenant_b.company) > before[1]


def cached_read(client: Client, token: str) -> tuple[str, dict]:
    """(X-Response-Cache, body) of the workflow definitions list read with the token."""
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": DEFINITIONS}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    return response.headers.get("X-Response-Cache"), response.json()


@pytest.mark.django_db
class TestPermissionsChangedInTheAdmin:
    def test_a_system_roles_permissions_are_not_answered_from_the_cache(self, admin_client, tenant_a):
        reader = Client()
        assert cached_read(reader, tenant_a.token)[0] == "miss"
        assert cached_read(reader, tenant_a.token)[0] == "hit"
        workflow_creator = Group.objects.get(name=WORKFLOW_CREATOR)
        url = reverse("admin:auth_group_change", args=[workflow_creator.pk])
        response = admin_client.post(url, {"name": WORKFLOW_CREATOR, "permissions": []})
        assert response.status_code == 302
        status, body = cached_read(reader, tenant_a.token)
        assert status == "miss"
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    def test_every_company_with_a_holder_moves(self, tenant_a, tenant_b):
        def both() -> list[int]:
            return [generation(tenant_a.company), generation(tenant_b.company)]

        design = Permission.objects.get(codename="design_workflows")
        before = both()
        Group.objects.get(name=WORKFLOW_CREATOR).permissions.remove(design)
        moved = both()
        assert all(now > was for now, was in zip(moved, before, strict=True))
        design.group_set.add(Group.objects.get(name=WORKFLOW_CREATOR))  # from the permission's side
        assert all(now > was for now, was in zip(both(), moved, strict=True))

    def test_a_users_own_permissions_move_their_company(self, tenant_a, tenant_b):
        user, _ = tenant_a.user()
        before = generation(tenant_a.company), generation(tenant_b.company)
        design = Permission.objects.get(codename="design_workflows")
        user.user_permissions.add(design)
        assert generation(tenant_a.company) > before[0]
        middle = generation(tenant_a.company)
        design.user_set.clear()  # from the permission's side
        assert generation(tenant_a.company) > middle
        assert generation(tenant_b.company) == before[1]
