from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from users.models import Company, CompanyRole, User


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(User)
class CompanyUserAdmin(UserAdmin):
    list_display = ["username", "email", "company", "is_active", "is_staff"]
    list_filter = ["company", "groups", "is_active", "is_staff"]
    list_select_related = ["company"]
    fieldsets = (*UserAdmin.fieldsets, ("Company", {"fields": ["company"]}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Company", {"fields": ["company", "email"]}))


@admin.register(CompanyRole)
class CompanyRoleAdmin(admin.ModelAdmin):
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
