"""What holds however a user or company role is written: through the services, the Django admin or
a shell. Model signal receivers, connected by UsersConfig.ready().

- A saved password change (set_password, set_unusable_password) revokes the user's refresh tokens.
- A user moved to another company leaves the old company's roles, and the old company's data
  generation moves too (users.generations moves the new one's).
- A company role deleted any way (queryset delete, cascade) takes its group along, and with it the
  group's memberships and object permissions, so no holder keeps the access and the name is free.
"""

from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, post_save, pre_save

from users.generations import company_data_changed
from users.models import CompanyRole, User
from users.services import user_other_company_roles_drop, user_refresh_tokens_revoke


def _user_saving(
    sender: type[User], instance: User, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    """Remembers the company a save may move the user out of (read from the database: the
    instance already carries the new one)."""
    instance._company_id_left = None
    if instance._state.adding or (update_fields is not None and "company" not in update_fields):
        return
    stored = User.objects.filter(pk=instance.pk).values_list("company_id", flat=True).first()
    if stored != instance.company_id:
        instance._company_id_left = stored


def _user_saved(
    sender: type[User], instance: User, created: bool, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    if not created and _password_changed(instance, update_fields):
        user_refresh_tokens_revoke(user=instance)
    company_id_left = getattr(instance, "_company_id_left", None)
    if company_id_left is not None:
        user_other_company_roles_drop(user=instance)
        company_data_changed(company_id=company_id_left)


def _password_changed(user: User, update_fields: frozenset[str] | None) -> bool:
    if update_fields is not None and "password" not in update_fields:
        return False
    # Django keeps the new raw password in `_password` until the save that stores it, and clears it
    # for the hash upgrades of a login (not a change); set_unusable_password leaves no raw password.
    # (django-stubs leave the private `_password` out.)
    return user._password is not None or not user.has_usable_password()  # type: ignore[attr-defined]


def _company_role_deleted(
    sender: type[CompanyRole], instance: CompanyRole, origin: Model | QuerySet[Any] | None = None, **kwargs: Any
) -> None:
    if isinstance(origin, Group):
        return  # the group's deletion cascaded to the role (company_role_delete): the group goes anyway
    Group.objects.filter(pk=instance.group_id).delete()


def connect_receivers() -> None:
    pre_save.connect(_user_saving, sender=User, dispatch_uid="invariants-user-saving")
    post_save.connect(_user_saved, sender=User, dispatch_uid="invariants-user-saved")
    post_delete.connect(_company_role_deleted, sender=CompanyRole, dispatch_uid="invariants-role-deleted")
