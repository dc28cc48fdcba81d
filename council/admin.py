from django.contrib import admin

from council.models import Council, CouncilMember
from portal.audit.admin_mixins import AuditedAdmin


class CouncilMemberInline(admin.TabularInline):
    model = CouncilMember
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Council)
class CouncilAdmin(AuditedAdmin):
    list_display = ("name", "scope", "city")
    inlines = [CouncilMemberInline]


@admin.register(CouncilMember)
class CouncilMemberAdmin(AuditedAdmin):
    list_display = ("user", "council", "sector", "role", "active_from", "active_until")
    list_filter = ("council", "sector", "role")
    autocomplete_fields = ("user",)
