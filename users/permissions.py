"""A user's model permissions read with the user, instead of by two statements of their own.

Every operation checks a permission (`user.has_perm`, users.roles); Django's ModelBackend reads a
user's own permissions and their groups' permissions in two statements per request. On PostgreSQL
the bearer token's user is loaded with the names of all its permissions in the same statement
(`with_permission_names`); elsewhere the backend reads both kinds in one statement.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat

from users.models import User

PRELOADED = "preloaded_permission_names"


def _permission_names(holder: Q) -> QuerySet[Permission, dict[str, Any]]:
    """`app_label.codename` of the permissions `holder` selects (ModelBackend's spelling)."""
    names = Permission.objects.filter(holder).annotate(
        qualified_name=Concat("content_type__app_label", Value("."), "codename")
    )
    return names.values("qualified_name").order_by("qualified_name").distinct()


def _held_by(user: Any) -> Q:
    return Q(user=user) | Q(group__user=user)


def with_permission_names(users: QuerySet[User]) -> QuerySet[User]:
    """`users`, each carrying the names of its permissions (its own and its groups') when the database
    can aggregate them in the user's statement (PostgreSQL); PermissionsBackend reads them."""
    if connections[users.db].vendor != "postgresql":
        return users
    return users.annotate(**{PRELOADED: ArraySubquery(_permission_names(_held_by(OuterRef("pk"))))})


class PermissionsBackend(ModelBackend):
    """ModelBackend with a user's permissions preloaded by `with_permission_names`, or else read in one
    statement (own and groups' together). Superusers and object permissions keep ModelBackend's path."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous or user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        held = getattr(user_obj, PRELOADED, None)
        if not isinstance(held, set):  # the annotation's list, or nothing yet: made a set once per user object
            if held is None:
                held = [row["qualified_name"] for row in _permission_names(_held_by(user_obj))]
            held = set(held)
            setattr(user_obj, PRELOADED, held)
        return held
