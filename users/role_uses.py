"""Is a company role in use, and by what?

The users domain owns company roles, but what uses one lives in other domains (workflow design:
ticket definitions granting access to it), which import users, not the other way round. So each
of them registers a finder here from its AppConfig.ready() (the pattern of kernel.scoping),
and a role's deletion asks every finder.
"""

from collections.abc import Callable

from users.models import CompanyRole

# The objects using a role, each named for a person ("ticket definition 'Service outage'"), at most `limit`.
RoleUseFinder = Callable[[CompanyRole, int], list[str]]

_finders: list[RoleUseFinder] = []


def register_company_role_use(finder: RoleUseFinder) -> RoleUseFinder:
    _finders.append(finder)
    return finder


def company_role_uses(*, role: CompanyRole, limit: int = 5) -> list[str]:
    """What uses the role (at most `limit` of each kind); empty when it can go."""
    return [use for finder in _finders for use in finder(role, limit)]
