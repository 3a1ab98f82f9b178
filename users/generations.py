"""Company data generations: a per-company counter that moves, inside the writing
transaction, with every change to anything the company's users can read (definitions,
their access grants, users, roles, role holders, the company's name).

A read whose user was loaded at generation G sees data at least as new as G, so a response
computed then can be reused by that user for as long as the generation stays G
(schema.response_cache). Writers:
- the workflow design services, through `writes_company_data` (their bulk statements
  send no model signals);
- saves and deletes of companies, users and company roles, changes of a user's groups and
  permissions, and of a group's permissions or the group itself (system roles are groups:
  workflow_creator's permission decides what its holders see), from services and the Django admin
  alike, through the signal receivers below; a user's move also moves the company left
  (users.invariants).
"""

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import F, Model, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from users.models import Company, CompanyRole, User

P = ParamSpec("P")
R = TypeVar("R")


def company_data_changed(*, company_id: int) -> None:
    """Moves the company's generation; inside the caller's transaction, so that the new
    generation becomes visible together with the change."""
    Company.objects.filter(pk=company_id).update(data_generation=F("data_generation") + 1)


def _companies_of_users_changed(users: QuerySet[User]) -> None:
    """Moves the generation of every company with a user among `users`, in one statement."""
    Company.objects.filter(pk__in=users.values("company_id")).update(data_generation=F("data_generation") + 1)


def writes_company_data(service: Callable[P, R]) -> Callable[P, R]:
    """Runs a service taking `acting_user` in one transaction that ends by moving the acting
    user's company generation (last, so that the company row is locked only until commit)."""

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic():
            result = service(*args, **kwargs)
            acting_user = kwargs["acting_user"]
            assert isinstance(acting_user, User)  # a ParamSpec cannot require it: every decorated service takes one
            company_data_changed(company_id=acting_user.company_id)
            return result

    return run


def _company_saved(sender: type[Company], instance: Company, **kwargs: Any) -> None:
    company_data_changed(company_id=instance.pk)


def _user_saved(sender: type[User], instance: User, update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a login changes nothing anyone can read
    company_data_changed(company_id=instance.company_id)


def _company_row_changed(sender: type[Model], instance: User | CompanyRole, **kwargs: Any) -> None:
    company_data_changed(company_id=instance.company_id)


def _user_groups_or_permissions_changed(
    sender: type[Model], instance: User | Group | Permission, action: str, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """A user's groups or own permissions changed, from either side (`user_set` of a group or a permission)."""
    if isinstance(instance, User):  # the user's side: m2m_changed's `reverse` is False exactly then
        if action.startswith("post_"):
            company_data_changed(company_id=instance.company_id)
        return
    # From the group's (permission's) side: every company whose users join or leave it (before a
    # clear, while its members are still known).
    if action in ("post_add", "post_remove"):
        _companies_of_users_changed(User.objects.filter(pk__in=pk_set or ()))
    elif action == "pre_clear":
        _companies_of_users_changed(instance.user_set.all())


def _group_permissions_changed(
    sender: type[Model], instance: Group | Permission, action: str, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """A group's permissions changed, from either side: every company with a holder of the group."""
    if isinstance(instance, Group):  # the group's side: m2m_changed's `reverse` is False exactly then
        if action.startswith("post_"):
            _companies_of_users_changed(instance.user_set.all())
    elif action in ("post_add", "post_remove"):
        _companies_of_users_changed(User.objects.filter(groups__in=pk_set or ()))
    elif action == "pre_clear":
        _companies_of_users_changed(User.objects.filter(groups__permissions=instance))


def _group_deleted(sender: type[Group], instance: Group, **kwargs: Any) -> None:
    _companies_of_users_changed(instance.user_set.all())  # before the deletion, while its members are known


def connect_receivers() -> None:
    post_save.connect(_company_saved, sender=Company, dispatch_uid="generation-company")
    post_save.connect(_user_saved, sender=User, dispatch_uid="generation-user-saved")
    post_delete.connect(_company_row_changed, sender=User, dispatch_uid="generation-user-deleted")
    post_save.connect(_company_row_changed, sender=CompanyRole, dispatch_uid="generation-role-saved")
    post_delete.connect(_company_row_changed, sender=CompanyRole, dispatch_uid="generation-role-deleted")
    m2m_changed.connect(
        _user_groups_or_permissions_changed, sender=User.groups.through, dispatch_uid="generation-user-groups"
    )
    m2m_changed.connect(
        _user_groups_or_permissions_changed,
        sender=User.user_permissions.through,
        dispatch_uid="generation-user-permissions",
    )
    m2m_changed.connect(
        _group_permissions_changed, sender=Group.permissions.through, dispatch_uid="generation-group-permissions"
    )
    pre_delete.connect(_group_deleted, sender=Group, dispatch_uid="generation-group-deleted")
