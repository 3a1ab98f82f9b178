"""Writes of the users domain (companies, users, roles, tokens).

Each service is keyword-only and atomic, and refuses bad input with a
ServiceError whose problems point into the GraphQL `input` that was sent.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import is_ratelimited

from kernel.problems import Problem, ServiceError
from kernel.row_security import authenticating
from kernel.scoping import own_row
from users.models import COMPANY_ROLE_NAME_PATTERN, Company, CompanyRole, RefreshToken, User
from users.role_uses import company_role_uses
from users.roles import COMPANY_ADMIN, SYSTEM_ROLES, WORKFLOW_CREATOR
from users.tokens import (
    access_token_encode,
    refresh_token_generate,
    refresh_token_hash,
    refresh_token_successor,
)

NAME_MAX = 255
USERNAME_MAX = User._meta.get_field("username").max_length
DESCRIPTION_MAX = 10_000


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    user: User


# --- tokens --------------------------------------------------------------------------


def token_pair_issue(*, user: User) -> TokenPair:
    """A new token pair, its refresh token the first of a new family."""
    now = timezone.now()
    raw_refresh = refresh_token_generate()
    _refresh_token_insert(user=user, raw_token=raw_refresh, family=uuid.uuid4(), now=now)
    return TokenPair(access_token_encode(user_id=user.pk, now=now), raw_refresh, user)


def _refresh_token_insert(*, user: User, raw_token: str, family: uuid.UUID, now: datetime) -> None:
    RefreshToken.objects.create(
        user=user,
        token_hash=refresh_token_hash(raw_token),
        family=family,
        expires_at=now + settings.REFRESH_TOKEN_LIFETIME,
    )


def user_login(*, request: HttpRequest, username: str, password: str) -> TokenPair:
    """Checks credentials; an unknown user and a wrong password get one answer. The username is looked up among
    every company's users (row-level security's authentication scope), whoever sent the request."""
    with authenticating():
        credentials = {"username": username}
        if not AxesProxyHandler.is_allowed(request, credentials):
            raise ServiceError.single(
                "TOO_MANY_ATTEMPTS",
                f"too many failed login attempts; try again in {_cooloff_text()}",
            )
        user = authenticate(request, username=username, password=password)
        if user is None:
            raise ServiceError.single("INVALID_CREDENTIALS", "unknown username or wrong password")
        return token_pair_issue(user=user)


def _cooloff_text() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return f"{minutes} minutes" if minutes != 1 else "1 minute"


def refresh_token_rotate(*, raw_token: str) -> TokenPair:
    """Exchanges a refresh token for a new pair; the token sent is rotated out. Sent again within
    REFRESH_TOKEN_REUSE_SECONDS while its successor is unused (two tabs refreshing at once, a retry after a lost
    answer), it gets the same successor; sent again later, it revokes its whole family (token theft detection).

    The successor is derived from the token sent (users.tokens.refresh_token_successor), so that a second use
    can be answered with the same value while only hashes are stored. Concurrent uses queue on the token's row
    lock: the first rotates, the others then find it rotated and its successor committed."""
    with authenticating():  # the token's user is found by the token, whoever sent the request
        successor = refresh_token_successor(raw_token)
        with transaction.atomic():
            token = (
                RefreshToken.objects.select_for_update(
                    of=("self",)
                )  # the token's row only, not its user's or company's
                .select_related("user__company")
                .filter(token_hash=refresh_token_hash(raw_token))
                .first()
            )
            now = timezone.now()  # once the row is ours: a use that queued behind the rotation comes after it
            refusal = _refresh_token_refusal(token, now)
            if refusal is None:
                assert token is not None  # a missing token is refused
                token.revoked_at = now
                token.save(update_fields=["revoked_at"])
                _refresh_token_insert(user=token.user, raw_token=successor, family=token.family, now=now)
                return _successor_pair(token, successor, now)
            if token is not None and token.revoked_at is not None:
                if _rotated_moments_ago(token, successor, now):
                    return _successor_pair(token, successor, now)
                # A rotated token used again later: whoever holds the family may be an attacker.
                RefreshToken.objects.filter(family=token.family, revoked_at__isnull=True).update(revoked_at=now)
        # Raised after the commit: a reuse must revoke the token family for good.
        raise ServiceError.single("INVALID_TOKEN", refusal, "/refreshToken")


def _successor_pair(token: RefreshToken, successor: str, now: datetime) -> TokenPair:
    return TokenPair(access_token_encode(user_id=token.user_id, now=now), successor, token.user)


def _refresh_token_refusal(token: RefreshToken | None, now: datetime) -> str | None:
    """Why the token cannot be rotated now, or None."""
    if token is None:
        return "unknown refresh token"
    if token.revoked_at is not None:
        return "this refresh token was already used or revoked; log in again"
    if token.expires_at <= now:
        return "the refresh token has expired; log in again"
    if not token.user.is_active:
        return "the user is inactive"
    return None


def _rotated_moments_ago(token: RefreshToken, successor: str, now: datetime) -> bool:
    """Whether the token was rotated (not otherwise revoked) less than the reuse interval ago, into a successor
    still unused (neither rotated nor revoked: a logout or a password change ends the interval too)."""
    assert token.revoked_at is not None
    return (
        token.revoked_at > now - timedelta(seconds=settings.REFRESH_TOKEN_REUSE_SECONDS)
        and token.user.is_active
        and RefreshToken.objects.filter(
            token_hash=refresh_token_hash(successor), family=token.family, revoked_at__isnull=True, expires_at__gt=now
        ).exists()
    )


def refresh_token_revoke(*, acting_user: User, raw_token: str) -> None:
    revoked = RefreshToken.objects.filter(
        user=acting_user, token_hash=refresh_token_hash(raw_token), revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not revoked:
        raise ServiceError.single("INVALID_TOKEN", "no active refresh token of yours matches", "/refreshToken")


def user_refresh_tokens_revoke(*, user: User) -> int:
    """Revokes every refresh token of the user: after a password change, whoever holds one (perhaps the
    thief the change was meant to lock out) must log in again."""
    return RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


# --- companies and users -------------------------------------------------------------


def company_sign_up(*, request: HttpRequest, company_name: str, username: str, email: str, password: str) -> TokenPair:
    """createCompany, open to anyone: throttled per client address (SIGNUP_RATE), since each sign-up
    costs a password hash and a company, and a complete one tells whether a username is taken."""
    _refuse_past_rate(
        group="createCompany",
        rate=settings.SIGNUP_RATE,
        key="ip",
        request=request,
        refusal="too many sign-ups from your network address; try again later",
    )
    return company_create(company_name=company_name, username=username, email=email, password=password)


def token_refresh(*, request: HttpRequest, raw_token: str) -> TokenPair:
    """refreshToken, open to anyone holding a token: throttled per client address (REFRESH_RATE), since
    each attempt locks a row and a flood of made-up tokens would cost the database all the same."""
    _refuse_past_rate(
        group="refreshToken",
        rate=settings.REFRESH_RATE,
        key="ip",
        request=request,
        refusal="too many token refreshes from your network address; try again later",
    )
    return refresh_token_rotate(raw_token=raw_token)


def _refuse_past_rate(
    *, group: str, rate: str, key: str | Callable[..., str], request: HttpRequest | None = None, refusal: str
) -> None:
    """Counts one attempt (django-ratelimit, in the "throttles" cache) and refuses it past `rate`. Called
    outside any transaction: in the database cache, a count written inside one would be rolled back with
    the write the service refuses, and refused attempts are what a throttle must count."""
    if is_ratelimited(request=request, group=group, key=key, rate=rate, increment=True):
        raise ServiceError.single("TOO_MANY_ATTEMPTS", refusal)


def company_create(*, company_name: str, username: str, email: str, password: str) -> TokenPair:
    """A new company and its first user, who holds every system role."""
    with authenticating(), transaction.atomic():  # a company of its own, whoever sent the request
        problems = _text_problems(company_name.strip(), "/companyName", NAME_MAX)
        problems += _new_user_problems(username=username, email=email, password=password)
        if problems:
            raise ServiceError(problems)
        company = Company.objects.create(name=company_name.strip())
        user = _user_insert(company=company, username=username, email=email, password=password)
        user.groups.set(Group.objects.filter(name__in=[COMPANY_ADMIN, WORKFLOW_CREATOR]))
        return token_pair_issue(user=user)


def user_create(
    *,
    acting_user: User,
    username: str,
    email: str,
    password: str,
    system_roles: list[str],
    company_roles: list[str],
) -> User:
    """createUser: throttled per acting user (USER_CREATE_RATE), since a username taken in any company is
    answered DUPLICATE."""
    _refuse_past_rate(
        group="createUser",
        rate=settings.USER_CREATE_RATE,
        key=lambda _group, _request: str(acting_user.pk),
        refusal="you have created too many users recently; try again later",
    )
    with transaction.atomic():
        problems = _new_user_problems(username=username, email=email, password=password)
        groups, role_problems = _role_groups(acting_user.company_id, system_roles, company_roles)
        if problems or role_problems:
            raise ServiceError(problems + role_problems)
        user = _user_insert(company=acting_user.company, username=username, email=email, password=password)
        user.groups.set(groups)
        return user


@transaction.atomic
def user_set_roles(*, acting_user: User, user_id: str, system_roles: list[str], company_roles: list[str]) -> User:
    user = own_row(
        User.objects.all(), acting_user=acting_user, object_id=user_id, path="/userId", noun="user", lock=True
    )
    groups, problems = _role_groups(acting_user.company_id, system_roles, company_roles)
    if user.pk == acting_user.pk and COMPANY_ADMIN not in system_roles:
        # Otherwise a company could lose its last administrator by accident.
        problems.append(Problem("FORBIDDEN", "you cannot remove company_admin from yourself", "/systemRoles"))
    if problems:
        raise ServiceError(problems)
    user.groups.set(groups)
    return user


def _new_user_problems(*, username: str, email: str, password: str) -> list[Problem]:
    """What is wrong with a new user's fields. Whether the username is taken is left to the insert
    (_user_insert), so only a request valid in every other respect learns it."""
    problems = _text_problems(username, "/username", USERNAME_MAX)
    if not problems:
        try:
            User._meta.get_field("username").run_validators(username)
        except ValidationError as exc:
            problems.append(Problem("INVALID_USERNAME", " ".join(exc.messages), "/username"))
    try:
        validate_email(email)
    except ValidationError:
        problems.append(Problem("INVALID_EMAIL", "expected an email address like name@example.com", "/email"))
    try:
        password_validation.validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        problems.append(Problem("INVALID_PASSWORD", " ".join(exc.messages), "/password"))
    return problems


def _user_insert(*, company: Company, username: str, email: str, password: str) -> User:
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=email, password=password, company=company)
    except IntegrityError as exc:  # the database decides, ignoring case (User.Meta.constraints), also under races
        raise ServiceError.single("DUPLICATE", f"the username '{username}' is taken", "/username") from exc


def user_other_company_roles_drop(*, user: User) -> None:
    """Drops the company roles the user holds of companies other than theirs, as a move to another
    company leaves them; system roles stay."""
    foreign = Group.objects.filter(user=user, company_role__isnull=False).exclude(
        company_role__company_id=user.company_id
    )
    user.groups.remove(*foreign)


def _role_groups(company_id: int, system_roles: list[str], company_roles: list[str]) -> tuple[list[int], list[Problem]]:
    problems = [
        Problem(
            "UNKNOWN_ROLE",
            f"unknown system role '{name}'; expected one of {', '.join(SYSTEM_ROLES)}",
            f"/systemRoles/{i}",
        )
        for i, name in enumerate(system_roles)
        if name not in SYSTEM_ROLES
    ]
    # Locked, as company_role_delete locks a role: a role being deleted is waited for, then unknown.
    named = CompanyRole.objects.select_for_update().filter(company_id=company_id, name__in=company_roles)
    roles = {role.name: role.group_id for role in named}
    problems += [
        Problem("UNKNOWN_ROLE", f"the company has no role '{name}'", f"/companyRoles/{i}")
        for i, name in enumerate(company_roles)
        if name not in roles
    ]
    group_ids = list(Group.objects.filter(name__in=system_roles).values_list("pk", flat=True))
    return group_ids + list(roles.values()), problems


def _text_problems(value: str, path: str, max_length: int | None) -> list[Problem]:
    if not value.strip():
        return [Problem("REQUIRED", "must not be empty", path)]
    if max_length is not None and len(value) > max_length:
        return [Problem("TOO_LONG", f"at most {max_length} characters, got {len(value)}", path)]
    return []


# --- company roles -------------------------------------------------------------------


@transaction.atomic
def company_role_create(*, acting_user: User, name: str, description: str) -> CompanyRole:
    problems = []
    if not COMPANY_ROLE_NAME_PATTERN.match(name):
        problems.append(
            Problem(
                "INVALID_KEY", "a role name is 1-100 lowercase letters, digits or _, starting with a letter", "/name"
            )
        )
    elif CompanyRole.objects.filter(company_id=acting_user.company_id, name=name).exists():
        problems.append(Problem("DUPLICATE", f"the company already has a role '{name}'", "/name"))
    if len(description) > DESCRIPTION_MAX:
        problems.append(Problem("TOO_LONG", f"at most {DESCRIPTION_MAX} characters", "/description"))
    if problems:
        raise ServiceError(problems)
    try:
        with transaction.atomic():
            return CompanyRole.objects.create_with_group(
                company_id=acting_user.company_id, name=name, description=description
            )
    except IntegrityError as exc:  # a concurrent request took the name (or its group's) since the check
        raise ServiceError.single("DUPLICATE", f"the company already has a role '{name}'", "/name") from exc


class CompanyRoleDeleted(NamedTuple):
    id: int
    holder_ids: list[int]  # the users who held it, and hold it no more


@transaction.atomic
def company_role_delete(*, company_id: int, name: str) -> CompanyRoleDeleted:
    """Deletes a company role with its group: its holders lose it, its object permissions go. Refused
    while anything uses it (users.role_uses). The API deletes in the acting user's company, the Django
    admin in the role's own."""
    role = CompanyRole.objects.select_for_update().filter(company_id=company_id, name=name).first()
    if role is None:
        raise ServiceError.single("NOT_FOUND", f"the company has no role '{name}'", "/name")
    uses = company_role_uses(role=role)
    if uses:
        raise ServiceError.single(
            "IN_USE", f"the role '{name}' is in use by {', '.join(uses)}; take it out of those first", "/name"
        )
    deleted = CompanyRoleDeleted(role.pk, sorted(role.group.user_set.values_list("pk", flat=True)))
    role.group.delete()  # cascades to the role
    return deleted
