"""The Django admin: companies, users and roles editable; definitions read-only."""

import pytest
from django.contrib import admin
from django.urls import reverse

from conftest import PASSWORD
from users.models import User
from workflow_design.services import workflow_upload
from workflow_design.tests.test_validation import example

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
