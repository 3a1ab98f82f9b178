from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction

from users.models import Company, CompanyRole, User
from users.role_uses import company_role_uses
from users.services import company_role_delete, user_other_company_roles_drop


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at", "stored_version_bytes"]
    search_fields = ["name"]


@admin.register(User)
class CompanyUserAdmin(UserAdmin):
    list_display = ["username", "email", "company", "is_active", "is_staff"]
    list_filter = ["company", "groups", "is_active", "is_staff"]
    list_select_related = ["company"]
    fieldsets = (*UserAdmin.fieldsets, ("Company", {"fields": ["company"]}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Company", {"fields": ["company", "email"]}))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "company" in form.changed_data:
            # The form has just set the groups it showed, the old company's roles among them.
            user_other_company_roles_drop(user=form.instance)


@admin.register(CompanyRole)
class CompanyRoleAdmin(admin.ModelAdmin):
    """Deletes go through company_role_delete, as the API's do: refused while in use, and the
    role's group goes with it (its memberships and object permissions too)."""

    list_display = ["name", "company", "description"]
    list_filter = ["company"]
    list_select_related = ["company"]
    search_fields = ["name"]
    exclude = ["group"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            obj.pk = CompanyRole.objects.create_with_group(
                company_id=obj.company_id, name=obj.name, description=obj.description
            ).pk

    def get_deleted_objects(self, objs, request):
        """The confirmation page lists what the deletion takes along (the groups, their memberships and
        object permissions); a role in use is shown as protected, so the admin refuses to delete it."""
        roles = list(objs)
        groups = Group.objects.filter(company_role__in=roles)
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(groups, request)
        protected += [
            f"{use} uses the company role '{role.name}'" for role in roles for use in company_role_uses(role=role)
        ]
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        company_role_delete(company_id=obj.company_id, name=obj.name)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for role in queryset:
                company_role_delete(company_id=role.company_id, name=role.name)
