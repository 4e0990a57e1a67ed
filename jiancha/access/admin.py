from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, DeniedRequest, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("Scope"), {"fields": ("division", "unit", "language")}))
    list_display = ("username", "first_name", "division", "unit", "is_active")
    raw_id_fields = ("division", "unit")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created", "expires", "last_used", "revoked")
    readonly_fields = ("key_hash", "prefix", "created", "last_used")


@admin.register(DeniedRequest)
class DeniedRequestAdmin(admin.ModelAdmin):
    list_display = ("time", "username", "method", "path", "reason")
    readonly_fields = ("time", "user", "username", "method", "path", "reason", "remote_addr")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
