from collections.abc import Iterable
from typing import cast

import strawberry
import strawberry_django
from strawberry.types import Info
from strawberry_django.relay import DjangoListConnection

from schema.base import acting_user, company_admin_required, connection, login_required
from schema.users.types import CompanyRoleType, UserType
from users.selectors import company_role_list, user_list

# strawberry-django answers a queryset as its rows: the casts below say so to the type checker (its documented way).


@strawberry.type
class UsersQuery:
    @strawberry_django.field(extensions=login_required(), description="The user the request is authenticated as.")
    def me(self, info: Info) -> UserType | None:
        return acting_user(info)

    @connection(
        DjangoListConnection[UserType] | None,
        extensions=company_admin_required(),
        description="The users of your company, by username.",
    )
    def users(self, info: Info) -> Iterable[UserType]:
        return cast(Iterable[UserType], user_list(acting_user=acting_user(info)).order_by("username"))

    @connection(
        DjangoListConnection[CompanyRoleType] | None,
        extensions=company_admin_required(),
        description="The company roles of your company, by name.",
    )
    def company_roles(self, info: Info) -> Iterable[CompanyRoleType]:
        return cast(Iterable[CompanyRoleType], company_role_list(acting_user=acting_user(info)).order_by("name"))
