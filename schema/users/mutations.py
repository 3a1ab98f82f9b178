from typing import Annotated, cast

import strawberry
from strawberry.types import Info

from kernel.global_ids import global_id
from schema.base import OkPayload, acting_user, answers_refusals, company_admin_required, login_required
from schema.users.inputs import CreateCompanyInput, CreateUserInput
from schema.users.types import (
    AuthPayload,
    CompanyRolePayload,
    CompanyRoleType,
    DeleteCompanyRolePayload,
    TokenPayload,
    UserPayload,
    UserType,
)
from users import services
from users.models import CompanyRole
from users.selectors import user_list

# strawberry-django answers a model row as its type: the casts below say so to the type checker (its documented way).

_REFRESH_TOKEN = "A refresh token from createCompany, login or refreshToken."


def _signed_in(info: Info, pair: services.TokenPair) -> AuthPayload:
    info.context.request.signed_in_user = pair.user  # its payload shows the user their own details
    return AuthPayload(access_token=pair.access_token, refresh_token=pair.refresh_token, user=cast(UserType, pair.user))


@strawberry.type
class UsersMutation:
    @strawberry.mutation(
        description="Sign up: a new company and its first user (company_admin and workflow_creator), logged in. "
        "Throttled per client address (TOO_MANY_ATTEMPTS)."
    )
    @answers_refusals(AuthPayload)
    def create_company(
        self,
        info: Info,
        input: Annotated[CreateCompanyInput, strawberry.argument(description="The company and its first user.")],
    ) -> AuthPayload:
        return _signed_in(
            info,
            services.company_sign_up(
                request=info.context.request,
                company_name=input.company_name,
                username=input.username,
                email=input.email,
                password=input.password,
            ),
        )

    @strawberry.mutation(
        description="Exchange a username and password for tokens; an unknown username and a wrong password get the "
        "same INVALID_CREDENTIALS. Repeated failures are throttled (TOO_MANY_ATTEMPTS)."
    )
    @answers_refusals(AuthPayload)
    def login(
        self,
        info: Info,
        username: Annotated[
            str,
            strawberry.argument(description="Your username, in any letter case (usernames are unique ignoring case)."),
        ],
        password: Annotated[str, strawberry.argument(description="Your password.")],
    ) -> AuthPayload:
        return _signed_in(info, services.user_login(request=info.context.request, username=username, password=password))

    @strawberry.mutation(
        description=(
            "A new token pair; the refresh token sent is rotated out. Sent again within seconds "
            "(REFRESH_TOKEN_REUSE_SECONDS) while the new one is unused, it gets the same new refresh token; "
            "sent again later, it revokes every refresh token of its login."
        )
    )
    @answers_refusals(TokenPayload)
    def refresh_token(
        self, info: Info, refresh_token: Annotated[str, strawberry.argument(description=_REFRESH_TOKEN)]
    ) -> TokenPayload:
        pair = services.token_refresh(request=info.context.request, raw_token=refresh_token)
        return TokenPayload(access_token=pair.access_token, refresh_token=pair.refresh_token)

    @strawberry.mutation(extensions=login_required(), description="Revoke a refresh token of yours.")
    @answers_refusals(OkPayload)
    def logout(
        self,
        info: Info,
        refresh_token: Annotated[
            str,
            strawberry.argument(
                description="The refresh token to revoke (INVALID_TOKEN unless it is yours and unrevoked)."
            ),
        ],
    ) -> OkPayload | None:
        services.refresh_token_revoke(acting_user=acting_user(info), raw_token=refresh_token)
        return OkPayload(ok=True)

    @strawberry.mutation(
        extensions=company_admin_required(),
        description="Create a user of your company, with their roles. Throttled per acting user (TOO_MANY_ATTEMPTS).",
    )
    @answers_refusals(UserPayload)
    def create_user(
        self,
        info: Info,
        input: Annotated[CreateUserInput, strawberry.argument(description="The new user and their roles.")],
    ) -> UserPayload | None:
        user = services.user_create(
            acting_user=acting_user(info),
            username=input.username,
            email=input.email,
            password=input.password,
            system_roles=input.system_roles,
            company_roles=input.company_roles,
        )
        return UserPayload(user=cast(UserType, user))

    @strawberry.mutation(
        extensions=company_admin_required(),
        description="Replace a user's roles by the lists given; you cannot take company_admin from yourself "
        "(FORBIDDEN).",
    )
    @answers_refusals(UserPayload)
    def update_user_roles(
        self,
        info: Info,
        user_id: Annotated[strawberry.ID, strawberry.argument(description="Global id of a user of your company.")],
        system_roles: Annotated[
            list[str],
            strawberry.argument(description="The user's system roles from now on: company_admin, workflow_creator."),
        ],
        company_roles: Annotated[
            list[str],
            strawberry.argument(
                description="Names of the company roles the user holds from now on (UNKNOWN_ROLE for a name your "
                "company lacks)."
            ),
        ],
    ) -> UserPayload | None:
        user = services.user_set_roles(
            acting_user=acting_user(info), user_id=user_id, system_roles=system_roles, company_roles=company_roles
        )
        return UserPayload(user=cast(UserType, user))

    @strawberry.mutation(extensions=company_admin_required(), description="Define a role of your company.")
    @answers_refusals(CompanyRolePayload)
    def create_company_role(
        self,
        info: Info,
        name: Annotated[
            str,
            strawberry.argument(
                description="Name, unique in your company (DUPLICATE): lowercase letters, digits and _, starting with "
                "a letter, at most 100 characters (INVALID_KEY)."
            ),
        ],
        description: Annotated[
            str, strawberry.argument(description="What the role is for (at most 10,000 characters).")
        ] = "",
    ) -> CompanyRolePayload | None:
        role = services.company_role_create(acting_user=acting_user(info), name=name, description=description)
        return CompanyRolePayload(company_role=cast(CompanyRoleType, role))

    @strawberry.mutation(
        extensions=company_admin_required(),
        description="Delete a company role; its holders lose it. Refused (IN_USE) while a ticket definition grants "
        "access to it or a workflow's FORM task is assigned to it (assigneeRoles).",
    )
    @answers_refusals(DeleteCompanyRolePayload)
    def delete_company_role(
        self, info: Info, name: Annotated[str, strawberry.argument(description="Name of the role to delete.")]
    ) -> DeleteCompanyRolePayload | None:
        user = acting_user(info)
        deleted = services.company_role_delete(company_id=user.company_id, name=name)
        holders = user_list(acting_user=user).filter(pk__in=deleted.holder_ids).order_by("username")
        return DeleteCompanyRolePayload(
            ok=True, deleted_id=strawberry.ID(global_id(CompanyRole, deleted.id)), users=cast(list[UserType], holders)
        )
