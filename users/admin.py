from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.contrib.admin import utils as admin_utils
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from users.models import Company, CompanyRole, User
from users.role_uses import company_role_uses
from users.services import company_role_delete, user_other_company_roles_drop


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin[Company]):
    list_display = ["name", "created_at", "stored_document_bytes"]
    search_fields = ["name"]


@admin.register(User)
class CompanyUserAdmin(UserAdmin[User]):
    list_display = ["username", "email", "company", "is_active", "is_staff"]
    list_filter = ["company", "groups", "is_active", "is_staff"]
    list_select_related = ["company"]
    # UserAdmin.fieldsets is a tuple; django-stubs type it as ModelAdmin's (which may be None).
    fieldsets = (*UserAdmin.fieldsets, ("Company", {"fields": ["company"]}))  # type: ignore[misc]
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Company", {"fields": ["company", "email"]}))

    def save_related(self, request: HttpRequest, form: ModelForm[User], formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if "company" in form.changed_data:
            # The form has just set the groups it showed, the old company's roles among them.
            user_other_company_roles_drop(user=form.instance)


@admin.register(CompanyRole)
class CompanyRoleAdmin(admin.ModelAdmin[CompanyRole]):
    """Deletes go through company_role_delete, as the API's do: refused while in use, and the
    role's group goes with it (its memberships and object permissions too)."""

    list_display = ["name", "company", "description"]
    list_filter = ["company"]
    list_select_related = ["company"]
    search_fields = ["name"]
    exclude = ["group"]

    def save_model(self, request: HttpRequest, obj: CompanyRole, form: ModelForm[CompanyRole], change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            obj.pk = CompanyRole.objects.create_with_group(
                company_id=obj.company_id, name=obj.name, description=obj.description
            ).pk

    def get_deleted_objects(
        self, objs: Sequence[CompanyRole] | QuerySet[CompanyRole], request: HttpRequest
    ) -> tuple[list[str], dict[str, int], set[str], list[str]]:
        """The confirmation page lists what the deletion takes along (the groups, their memberships and
        object permissions); a role in use is shown as protected, so the admin refuses to delete it."""
        roles = list(objs)
        groups = Group.objects.filter(company_role__in=roles)
        deleted, model_count, perms_needed, protected = admin_utils.get_deleted_objects(
            groups, request, self.admin_site
        )
        protected += [
            f"{use} uses the company role '{role.name}'" for role in roles for use in company_role_uses(role=role)
        ]
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: CompanyRole) -> None:
        company_role_delete(company_id=obj.company_id, name=obj.name)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CompanyRole]) -> None:
        with transaction.atomic():
            for role in queryset:
                company_role_delete(company_id=role.company_id, name=role.name)
