from django.contrib import admin

from .models import Division, Unit


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "kind", "population", "parent")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "unit_type", "division", "parent")
    list_filter = ("unit_type",)
    search_fields = ("name", "uscc", "division__code", "division__name")
    raw_id_fields = ("division", "parent")
