"""Reads of the users domain; every one is scoped to the acting user's company."""

from django.db.models import QuerySet

from kernel.scoping import Row, register_scope, visible_to
from users.models import Company, CompanyRole, User
from users.permissions import with_permission_names
from users.roles import MANAGE_COMPANY, SYSTEM_ROLES
from users.tokens import InvalidToken, access_token_user_id


def user_from_access_token(token: str) -> User:
    user = with_permission_names(User.objects.filter(pk=access_token_user_id(token), is_active=True)).first()
    if user is None:
        raise InvalidToken("the access token's user no longer exists or is inactive")
    return user


@register_scope(Company)
def _own_company(queryset: QuerySet[Company], user: User) -> QuerySet[Company]:
    return queryset.filter(pk=user.company_id)


def _company_members(queryset: QuerySet[Row], user: User) -> QuerySet[Row]:
    return queryset.filter(company_id=user.company_id)


register_scope(User)(_company_members)


@register_scope(CompanyRole)
def _company_roles(queryset: QuerySet[CompanyRole], user: User) -> QuerySet[CompanyRole]:
    """Company admins see their company's roles: no other field shows a role (node(id:) answers what
    the rules let its caller see). A user reads the names of their own roles on User.companyRoles."""
    return _company_members(queryset, user) if user.has_perm(MANAGE_COMPANY) else queryset.none()


def user_list(*, acting_user: User) -> QuerySet[User]:
    return visible_to(User.objects.all(), acting_user)


def company_role_list(*, acting_user: User) -> QuerySet[CompanyRole]:
    return visible_to(CompanyRole.objects.all(), acting_user)


def account_details_visible(*, viewer: User, user: User) -> bool:
    """Whether `viewer` may read `user`'s email and roles: their own, or any as a company admin (the
    users it may see are its company's already)."""
    return viewer.pk == user.pk or viewer.has_perm(MANAGE_COMPANY)


def user_system_roles(user: User) -> list[str]:
    return sorted(group.name for group in user.groups.all() if group.name in SYSTEM_ROLES)


def user_company_role_names(user: User) -> list[str]:
    return sorted(group.company_role.name for group in user.groups.all() if hasattr(group, "company_role"))


def company_role_names(*, company_id: int) -> set[str]:
    """The names of the company's roles: what a ticket definition's access list and a task's assignees may name."""
    return set(CompanyRole.objects.filter(company_id=company_id).values_list("name", flat=True))
