"""Who may see a row: the one tenant-scoping rule of the service.

Each app registers, per model, a function narrowing a queryset to what an
authenticated user may see (its `selectors` module does so at import, which
the app's `ready()` triggers). `visible_to` applies it; a model without a
registered rule is refused rather than served unscoped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet

from kernel.global_ids import pk_of
from kernel.problems import ServiceError

if TYPE_CHECKING:
    # The project's user model (AUTH_USER_MODEL) as django-stubs resolves it: the kernel names no domain.
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import _User as User

Row = TypeVar("Row", bound=Model)
# A rule narrows a queryset of its model to the rows a signed-in user may see.
ScopeRule: TypeAlias = Callable[[QuerySet[Row], "User"], QuerySet[Row]]
_rules: dict[type[Model], ScopeRule[Any]] = {}


def register_scope(model: type[Row]) -> Callable[[ScopeRule[Row]], ScopeRule[Row]]:
    def register(rule: ScopeRule[Row]) -> ScopeRule[Row]:
        _rules[model] = rule
        return rule

    return register


def visible_to(queryset: QuerySet[Row], user: User | AnonymousUser | None) -> QuerySet[Row]:
    rule = _rules.get(queryset.model)
    if rule is None:
        raise ImproperlyConfigured(f"no scoping rule registered for {queryset.model.__name__}")
    if user is None or not user.is_authenticated:
        return queryset.none()
    return rule(queryset, user)


def own_row(
    queryset: QuerySet[Row], *, acting_user: User, object_id: Any, path: str, noun: str, lock: bool = False
) -> Row:
    """The row whose global id (kernel.global_ids) is `object_id` among those the acting user sees,
    row-locked if asked; another company's row, and an id of another type or no id at all, are
    NOT_FOUND, worded exactly as for an id that does not exist."""
    pk = pk_of(object_id, queryset.model)
    row = None
    if pk is not None:
        scoped = visible_to(queryset, acting_user).filter(pk=pk)
        row = (scoped.select_for_update(of=("self",)) if lock else scoped).first()
    if row is None:
        raise ServiceError.single("NOT_FOUND", f"no {noun} with id {object_id}", path)
    return row
