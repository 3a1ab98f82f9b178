import strawberry
import strawberry_django
from django.contrib.auth.models import Group
from django.db.models import Prefetch

from schema.base import CompanyScopedType, ProblemType, model_type
from users import models
from users.selectors import user_company_role_names, user_system_roles

_ROLE_GROUPS = Prefetch("groups", queryset=Group.objects.select_related("company_role"))


@model_type(models.Company, name="Company")
class CompanyType(CompanyScopedType):
    id: strawberry.ID
    name: str


@model_type(models.CompanyRole, name="CompanyRole")
class CompanyRoleType(CompanyScopedType):
    id: strawberry.ID
    name: str
    description: str


@model_type(models.User, name="User")
class UserType(CompanyScopedType):
    id: strawberry.ID
    username: str
    email: str
    is_active: bool
    company: CompanyType

    @strawberry_django.field(
        prefetch_related=[_ROLE_GROUPS], description="System roles: company_admin, workflow_creator."
    )
    def system_roles(self, root: models.User) -> list[str]:
        return user_system_roles(root)

    @strawberry_django.field(prefetch_related=[_ROLE_GROUPS], description="Names of the company roles the user holds.")
    def company_roles(self, root: models.User) -> list[str]:
        return user_company_role_names(root)


@strawberry.type
class AuthPayload:
    access_token: str | None = None
    refresh_token: str | None = None
    user: UserType | None = None
    errors: list[ProblemType] = strawberry.field(default_factory=list)


@strawberry.type
class TokenPayload:
    access_token: str | None = None
    refresh_token: str | None = None
    errors: list[ProblemType] = strawberry.field(default_factory=list)


@strawberry.type
class UserPayload:
    user: UserType | None = None
    errors: list[ProblemType] = strawberry.field(default_factory=list)


@strawberry.type
class CompanyRolePayload:
    company_role: CompanyRoleType | None = None
    errors: list[ProblemType] = strawberry.field(default_factory=list)


@strawberry.type(description="What deleteCompanyRole deleted, or why it deleted nothing.")
class DeleteCompanyRolePayload:
    ok: bool = strawberry.field(default=False, description="Whether the role was deleted.")
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the deleted role, to evict from a cache."
    )
    users: list[UserType] = strawberry.field(
        default_factory=list, description="The users who held the role, as they are now: without it."
    )
    errors: list[ProblemType] = strawberry.field(default_factory=list)
