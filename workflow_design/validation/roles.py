"""Lists of company role names (a ticket definition's companyRoleAccess, a FORM's assigneeRoles):
UNKNOWN_ROLE for a name the company lacks (with a suggestion), DUPLICATE_KEY for a name repeated."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from kernel.problems import Problem
from kernel.values import child

from .duplicates import duplicates
from .problems import Suggester, error, hint, quoted_list, shown


def check_role_names(
    roles: list[Any], path: str, company_roles: Collection[str] | None, suggest: Suggester | None = None
) -> list[Problem]:
    """`company_roles` None: the names are not checked against a company (only for repeats)."""
    paths = [child(path, index) for index in range(len(roles))]
    problems = []
    if company_roles is not None:
        known = sorted(company_roles)
        suggest = suggest or Suggester(known)
        problems = [
            error(
                "UNKNOWN_ROLE",
                role_path,
                # shown(): a name is cut in the message (a role name has at most 100 characters; a sent one, any).
                f"The company has no role {shown(role)} (roles: {quoted_list(known)})." + hint(suggest(role)),
            )
            for role, role_path in zip(roles, paths, strict=True)
            if isinstance(role, str) and role not in company_roles
        ]
    return problems + duplicates(zip(roles, paths, strict=True), "DUPLICATE_KEY", "The role")
