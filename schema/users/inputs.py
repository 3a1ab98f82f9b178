import strawberry

_USERNAME = (
    "at most 150 characters, letters, digits and @ . + - _ (INVALID_USERNAME); unique ignoring case in all "
    "companies (DUPLICATE)."
)
_EMAIL = "email address (INVALID_EMAIL when it is not one)."
_PASSWORD = (
    "at least 8 characters, not entirely digits, not a common password, not too like the username or email "
    "(INVALID_PASSWORD)."
)


@strawberry.input(description="A new company and its first user.")
class CreateCompanyInput:
    company_name: str = strawberry.field(
        description="Name of the company: at most 255 characters, not blank; spaces around it are dropped."
    )
    username: str = strawberry.field(description=f"The first user's login name: {_USERNAME}")
    email: str = strawberry.field(description=f"The first user's {_EMAIL}")
    password: str = strawberry.field(description=f"The first user's password: {_PASSWORD}")


@strawberry.input(description="A new user of your company, with their roles.")
class CreateUserInput:
    username: str = strawberry.field(description=f"Login name: {_USERNAME}")
    email: str = strawberry.field(description=f"The user's {_EMAIL}")
    password: str = strawberry.field(description=f"Password: {_PASSWORD}")
    system_roles: list[str] = strawberry.field(
        default_factory=list, description="System roles to give: company_admin, workflow_creator (default none)."
    )
    company_roles: list[str] = strawberry.field(
        default_factory=list,
        description="Names of your company's roles to give (default none; UNKNOWN_ROLE for a name it lacks).",
    )
