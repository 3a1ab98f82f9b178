import strawberry


@strawberry.input
class CreateCompanyInput:
    company_name: str
    username: str
    email: str
    password: str


@strawberry.input
class CreateUserInput:
    username: str
    email: str
    password: str
    system_roles: list[str] = strawberry.field(default_factory=list)
    company_roles: list[str] = strawberry.field(default_factory=list)
