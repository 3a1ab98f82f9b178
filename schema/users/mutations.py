import strawberry
from strawberry.types import Info

from schema.base import OkPayload, acting_user, company_admin_required, login_required, ok_payload, payload_of
from schema.users.inputs import CreateCompanyInput, CreateUserInput
from schema.users.types import AuthPayload, CompanyRolePayload, TokenPayload, UserPayload
from users import services


def _tokens(pair: services.TokenPair, *, with_user: bool = True) -> dict:
    fields = {"access_token": pair.access_token, "refresh_token": pair.refresh_token}
    if with_user:
        fields["user"] = pair.user
    return fields


@strawberry.type
class UsersMutation:
    @strawberry.mutation(description="Sign up: a new company and its first user (company_admin and workflow_creator).")
    def create_company(self, info: Info, input: CreateCompanyInput) -> AuthPayload:
        return payload_of(
            AuthPayload,
            lambda: _tokens(
                services.company_sign_up(
                    request=info.context.request,
                    company_name=input.company_name,
                    username=input.username,
                    email=input.email,
                    password=input.password,
                )
            ),
        )

    @strawberry.mutation(description="Exchange a username and password for tokens. Repeated failures are throttled.")
    def login(self, info: Info, username: str, password: str) -> AuthPayload:
        return payload_of(
            AuthPayload,
            lambda: _tokens(services.user_login(request=info.context.request, username=username, password=password)),
        )

    @strawberry.mutation(description="A new token pair; the refresh token sent is dead afterwards.")
    def refresh_token(self, refresh_token: str) -> TokenPayload:
        return payload_of(
            TokenPayload, lambda: _tokens(services.refresh_token_rotate(raw_token=refresh_token), with_user=False)
        )

    @strawberry.mutation(extensions=login_required(), description="Revoke a refresh token of yours.")
    def logout(self, info: Info, refresh_token: str) -> OkPayload:
        return ok_payload(lambda: services.refresh_token_revoke(acting_user=acting_user(info), raw_token=refresh_token))

    @strawberry.mutation(extensions=company_admin_required())
    def create_user(self, info: Info, input: CreateUserInput) -> UserPayload:
        return payload_of(
            UserPayload,
            lambda: {
                "user": services.user_create(
                    acting_user=acting_user(info),
                    username=input.username,
                    email=input.email,
                    password=input.password,
                    system_roles=input.system_roles,
                    company_roles=input.company_roles,
                )
            },
        )

    @strawberry.mutation(extensions=company_admin_required(), description="Replace a user's roles.")
    def update_user_roles(
        self, info: Info, user_id: strawberry.ID, system_roles: list[str], company_roles: list[str]
    ) -> UserPayload:
        return payload_of(
            UserPayload,
            lambda: {
                "user": services.user_set_roles(
                    acting_user=acting_user(info),
                    user_id=user_id,
                    system_roles=system_roles,
                    company_roles=company_roles,
                )
            },
        )

    @strawberry.mutation(extensions=company_admin_required())
    def create_company_role(self, info: Info, name: str, description: str = "") -> CompanyRolePayload:
        return payload_of(
            CompanyRolePayload,
            lambda: {
                "company_role": services.company_role_create(
                    acting_user=acting_user(info), name=name, description=description
                )
            },
        )

    @strawberry.mutation(
        extensions=company_admin_required(),
        description="Delete a company role; refused (IN_USE) while a ticket definition grants access to it.",
    )
    def delete_company_role(self, info: Info, name: str) -> OkPayload:
        return ok_payload(lambda: services.company_role_delete(company_id=acting_user(info).company_id, name=name))
