import strawberry
import strawberry_django
from django.contrib.auth.models import Group
from django.db.models import Prefetch
from strawberry.types import Info

from schema.base import ERRORS, CompanyScopedType, ProblemType, acting_user, described_enum, model_type
from users import models
from users.roles import COMPANY_ADMIN, SYSTEM_ROLES, WORKFLOW_CREATOR
from users.selectors import account_details_visible, user_company_role_names, user_system_roles

_ROLE_GROUPS = Prefetch("groups", queryset=Group.objects.select_related("company_role"))


@model_type(models.Company, name="Company")
class CompanyType(CompanyScopedType):
    name: str


@model_type(models.CompanyRole, name="CompanyRole")
class CompanyRoleType(CompanyScopedType):
    name: str
    description: str


SystemRole = described_enum(
    "SystemRole",
    {
        COMPANY_ADMIN: "Manages the company: its users, their roles, and the company roles.",
        WORKFLOW_CREATOR: "Designs the company's workflows and ticket definitions.",
    },
    "A role that grants capabilities in TicketFlower itself (company roles are the company's own).",
)
assert {member.value for member in SystemRole} == set(SYSTEM_ROLES)

_ACCOUNT_DETAIL = "null unless you are this user or a company admin."


def _details_visible(info: Info, user: models.User) -> bool:
    # A sign-in's payload shows the user who just signed in, to themself.
    viewer = getattr(info.context.request, "signed_in_user", None) or acting_user(info)
    return account_details_visible(viewer=viewer, user=user)


@model_type(models.User, name="User", description="A user of your company.")
class UserType(CompanyScopedType):
    username: str
    is_active: bool
    company: CompanyType

    @strawberry_django.field(only=["email"], description=f"The user's email address; {_ACCOUNT_DETAIL}")
    def email(self, root: models.User, info: Info) -> str | None:
        return root.email if _details_visible(info, root) else None

    @strawberry_django.field(prefetch_related=[_ROLE_GROUPS], description=f"The user's system roles; {_ACCOUNT_DETAIL}")
    def system_roles(self, root: models.User, info: Info) -> list[SystemRole] | None:  # type: ignore[valid-type]
        if not _details_visible(info, root):
            return None
        return [SystemRole(name) for name in user_system_roles(root)]

    @strawberry_django.field(
        prefetch_related=[_ROLE_GROUPS],
        description=f"Names of the company roles the user holds; {_ACCOUNT_DETAIL}",
    )
    def company_roles(self, root: models.User, info: Info) -> list[str] | None:
        return user_company_role_names(root) if _details_visible(info, root) else None


@strawberry.type(description="What a sign-up or login answers: the tokens and who they are for, or why not.")
class AuthPayload:
    access_token: str | None = strawberry.field(
        default=None, description="Send as 'Authorization: Bearer <accessToken>'; short-lived. null on refusal."
    )
    refresh_token: str | None = strawberry.field(
        default=None, description="Exchange it for a new pair with refreshToken; keep it secret. null on refusal."
    )
    user: UserType | None = strawberry.field(default=None, description="The user signed in; null on refusal.")
    errors: list[ProblemType] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="What refreshToken answers: a new token pair, or why not.")
class TokenPayload:
    access_token: str | None = strawberry.field(default=None, description="The new access token; null on refusal.")
    refresh_token: str | None = strawberry.field(
        default=None, description="The new refresh token (the one sent is rotated out); null on refusal."
    )
    errors: list[ProblemType] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="What createUser or updateUserRoles wrote, or why it wrote nothing.")
class UserPayload:
    user: UserType | None = strawberry.field(default=None, description="The user as written; null on refusal.")
    errors: list[ProblemType] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="What createCompanyRole wrote, or why it wrote nothing.")
class CompanyRolePayload:
    company_role: CompanyRoleType | None = strawberry.field(
        default=None, description="The role as written; null on refusal."
    )
    errors: list[ProblemType] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="What deleteCompanyRole deleted, or why it deleted nothing.")
class DeleteCompanyRolePayload:
    ok: bool = strawberry.field(default=False, description="Whether the role was deleted.")
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The global id of the deleted role, to evict from a cache."
    )
    users: list[UserType] = strawberry.field(
        default_factory=list, description="The users who held the role, as they are now: without it."
    )
    errors: list[ProblemType] = strawberry.field(default_factory=list, description=ERRORS)
