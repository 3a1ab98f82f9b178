import re
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.core.validators import RegexValidator
from django.db import connection, models
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from kernel.values import unstorable_text

# \Z, not $: "$" also matches before a final newline (RegexValidator searches).
COMPANY_ROLE_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,99}\Z")

# Model docstrings and help texts are written for API readers: the GraphQL types take their
# descriptions from them (STRAWBERRY_DJANGO settings). Notes for developers are comments.


def described_id(help_text: str) -> "models.BigAutoField[int, int]":
    """The primary key Django creates by itself (DEFAULT_AUTO_FIELD, `auto_created` included, so the
    column and the migration state are the same), with a description."""
    return models.BigAutoField(
        auto_created=True, primary_key=True, serialize=False, verbose_name="ID", help_text=help_text
    )


class Company(models.Model):
    """A company: the tenant its users, roles and definitions belong to; no one sees another company's."""

    id = described_id("Id of the company.")
    name = models.CharField(
        max_length=255, help_text="Name of the company, as given at sign-up (at most 255 characters)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves with every change to what the company's users can read (users.generations);
    # cached GraphQL responses are keyed by it.
    data_generation = models.BigIntegerField(default=0, editable=False)
    # Bytes of the company's stored documents (every workflow version, every ticket definition),
    # kept by the workflow design services in the writing transaction, so that the storage quota
    # is checked without summing them.
    stored_document_bytes = models.BigIntegerField(default=0, editable=False)

    class Meta:
        db_table = "company"
        verbose_name_plural = "companies"
        permissions = [
            ("manage_company", "Manage the company's users and company roles"),
            ("design_workflows", "Use everything under workflow design"),
        ]

    def __str__(self) -> str:
        return self.name


def username_key(username: str) -> str:
    """What two usernames must differ in to be two users: the database's LOWER, as the unique constraint and
    logins compare them (PostgreSQL's folds by the database's collation, SQLite's ASCII only)."""
    if any(unstorable_text(username)):
        return username  # no stored username holds it (NUL, lone surrogates), and the database cannot take it
    with connection.cursor() as cursor:
        cursor.execute("SELECT LOWER(%s)", [username])
        row = cursor.fetchone()
    return str(row[0])


class CompanyUserManager(UserManager["User"]):
    def get_queryset(self) -> models.QuerySet["User"]:
        # The company is needed by nearly every permission check: fetch it with the user.
        return super().get_queryset().select_related("company")

    def get_by_natural_key(self, username: str | None) -> "User":
        # A login matches the username ignoring case exactly as the unique constraint compares them: the
        # database's LOWER on both sides, so at most one row matches. (`iexact` compares UPPER, which folds
        # characters LOWER keeps apart, such as the dotless i (U+0131) and i: two users would match.)
        return self.alias(username_key=Lower(self.model.USERNAME_FIELD)).get(username_key=Lower(Value(username)))


class User(AbstractUser):
    """A person who uses the API, in one company; their system roles and company roles say what they may do."""

    id = described_id("Id of the user.")
    # AbstractUser's own help texts speak to Django admin users ("Designates whether..."); these say what
    # the values mean to API readers (the admin shows them too). Otherwise the fields are AbstractUser's.
    username = models.CharField(
        _("username"),
        max_length=150,
        unique=True,
        help_text="Login name: at most 150 characters, letters, digits and @ . + - _; unique ignoring case "
        "(in all companies).",
        validators=[AbstractUser.username_validator],
        error_messages={"unique": _("A user with that username already exists.")},
    )
    email = models.EmailField(
        _("email address"),
        blank=True,
        help_text="Email address; empty only for a user created without one outside the API (Django admin, manage.py).",
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text="Whether the user may use the API: when false, logging in fails and the user's access and "
        "refresh tokens are refused. Deactivate a user rather than delete them: what they created keeps its "
        "author.",
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="users", help_text="The company the user belongs to."
    )

    objects: ClassVar[CompanyUserManager] = CompanyUserManager()

    # The company a save is moving the user out of, or None: set before each save (users.invariants).
    _company_id_left: int | None

    REQUIRED_FIELDS = ["email", "company"]

    class Meta:
        db_table = "users"
        indexes = [models.Index(fields=["company", "username"])]
        constraints = [
            # "Alice" and "alice" are one user to people. The database decides (the services rely on it),
            # so concurrent sign-ups cannot both get the name.
            models.UniqueConstraint(
                Lower("username"),
                name="users_username_ci_unique",
                violation_error_message="A user with that username already exists (usernames ignore case).",
            )
        ]


class CompanyRoleManager(models.Manager["CompanyRole"]):
    def create_with_group(self, *, company_id: int, name: str, description: str = "") -> "CompanyRole":
        group = Group.objects.create(name=CompanyRole.group_name(company_id, name))
        return self.create(company_id=company_id, name=name, description=description, group=group)


class CompanyRole(models.Model):
    """A role a company defines (e.g. support_agent); ticket definitions grant access to its holders."""

    # Each role is backed by a Django group; a user holds the role by being in the group, so guardian
    # object permissions granted to the group (ticket definition access) reach exactly the role's holders.

    id = described_id("Id of the company role.")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(
        max_length=100,
        validators=[RegexValidator(COMPANY_ROLE_NAME_PATTERN, "lowercase letters, digits and _; starts with a letter")],
        help_text="Name of the role, unique in its company: lowercase letters, digits and _, starting with a "
        "letter, at most 100 characters.",
    )
    description = models.TextField(
        blank=True, default="", help_text="What the role is for (at most 10,000 characters; empty when none was given)."
    )
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="company_role")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CompanyRoleManager()

    class Meta:
        db_table = "company_roles"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="company_role_name_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.company_id})"

    @staticmethod
    def group_name(company_id: int, name: str) -> str:
        return f"company:{company_id}:{name}"


class RefreshToken(models.Model):
    """An opaque refresh token, stored as a SHA-256 hash; rotated on every use.

    Tokens issued from one login share a `family`: presenting an already rotated
    token (a sign it was stolen) revokes the whole family, unless it was rotated
    moments ago into a successor still unused (REFRESH_TOKEN_REUSE_SECONDS): then it
    gets that successor again (users.services.refresh_token_rotate).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    family = models.UUIDField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "refresh_tokens"

    def __str__(self) -> str:
        return f"refresh token of user {self.user_id} ({'revoked' if self.revoked_at else 'active'})"
