"""System roles: global Django groups, each granting model-level permissions.

A user's system roles are the system groups they belong to; operations check
the permission (`user.has_perm`), so a role can gain a capability by adding a
permission here, without touching the checks.
"""

from typing import Any

COMPANY_ADMIN = "company_admin"
WORKFLOW_CREATOR = "workflow_creator"

# Permission codenames live on users.Company (see Company.Meta.permissions).
MANAGE_COMPANY = "users.manage_company"
DESIGN_WORKFLOWS = "users.design_workflows"

SYSTEM_ROLE_PERMISSIONS: dict[str, list[str]] = {
    COMPANY_ADMIN: [MANAGE_COMPANY],
    WORKFLOW_CREATOR: [DESIGN_WORKFLOWS],
}
SYSTEM_ROLES = tuple(SYSTEM_ROLE_PERMISSIONS)


def ensure_system_role_groups(**_: Any) -> None:
    """Create the system role groups with exactly their permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for role, permission_names in SYSTEM_ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        codenames = [name.split(".", 1)[1] for name in permission_names]
        permissions = Permission.objects.filter(content_type__app_label="users", codename__in=codenames)
        group.permissions.set(permissions)
