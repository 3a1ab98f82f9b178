import strawberry
import strawberry_django
from strawberry.types import Info
from strawberry_django.pagination import OffsetPaginated

from schema.base import acting_user, company_admin_required, login_required, paginated_list
from schema.users.types import CompanyRoleType, UserType
from users.selectors import company_role_list, user_list


@strawberry.type
class UsersQuery:
    @strawberry_django.field(extensions=login_required(), description="The user the request is authenticated as.")
    def me(self, info: Info) -> UserType | None:
        return acting_user(info)

    @paginated_list(
        OffsetPaginated[UserType] | None,
        extensions=company_admin_required(),
        description="The users of your company, by username.",
    )
    def users(self, info: Info):
        return user_list(acting_user=acting_user(info)).order_by("username")

    @paginated_list(
        OffsetPaginated[CompanyRoleType] | None,
        extensions=company_admin_required(),
        description="The company roles of your company, by name.",
    )
    def company_roles(self, info: Info):
        return company_role_list(acting_user=acting_user(info)).order_by("name")
