"""A bearer request's user comes with its permissions (users/permissions.py): one statement on PostgreSQL for the
user, its company and every permission it holds, whatever the number of checks; the same answers as Django's
ModelBackend."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from users.roles import COMPANY_ADMIN, DESIGN_WORKFLOWS, MANAGE_COMPANY, WORKFLOW_CREATOR
from users.selectors import user_from_access_token

CHECKED = (DESIGN_WORKFLOWS, MANAGE_COMPANY, "users.view_company", "auth.add_group")


def _loaded_and_checked(token: str) -> tuple[dict[str, bool], int]:
    with CaptureQueriesContext(connection) as statements:
        user = user_from_access_token(token)
        held = {permission: user.has_perm(permission) for permission in CHECKED}
        held |= {permission: user.has_perm(permission) for permission in CHECKED}  # checked again: no statement
        assert user.company.name
    return held, len(statements)


def _model_backend(user_id: int) -> dict[str, bool]:
    """What Django's own ModelBackend answers for a freshly loaded user."""
    from users.models import User

    fresh = User.objects.get(pk=user_id)
    return {permission: ModelBackend().has_perm(fresh, permission) for permission in CHECKED}


@pytest.mark.django_db
@pytest.mark.parametrize("roles", [[], [WORKFLOW_CREATOR], [COMPANY_ADMIN], [COMPANY_ADMIN, WORKFLOW_CREATOR]])
def test_the_user_and_its_permissions_are_read_together(tenant_a, roles):
    user, token = tenant_a.user(system_roles=roles)
    user.user_permissions.add(Permission.objects.get(codename="view_company"))  # a permission of the user's own
    held, statements = _loaded_and_checked(token)
    assert held == _model_backend(user.pk)
    assert held[DESIGN_WORKFLOWS] == (WORKFLOW_CREATOR in roles)
    assert held["users.view_company"]
    assert not held["auth.add_group"]
    expected = 1 if connection.vendor == "postgresql" else 2  # elsewhere: the user, then its permissions at once
    assert statements == expected, f"{statements} statements to load a user and check {len(CHECKED)} permissions"


@pytest.mark.django_db
def test_a_role_taken_away_is_seen_by_the_next_request(tenant_a):
    user, token = tenant_a.user(system_roles=[WORKFLOW_CREATOR])
    assert _loaded_and_checked(token)[0][DESIGN_WORKFLOWS]
    user.groups.clear()
    assert not _loaded_and_checked(token)[0][DESIGN_WORKFLOWS]


@pytest.mark.django_db
def test_superusers_hold_every_permission_as_with_model_backend(tenant_a):
    user, token = tenant_a.user()
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    held, _ = _loaded_and_checked(token)
    assert held == _model_backend(user.pk) == dict.fromkeys(CHECKED, True)
