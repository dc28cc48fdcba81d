from django.contrib import admin

from permits.models import ActivityCategory
from portal.audit.admin_mixins import AuditedAdmin


@admin.register(ActivityCategory)
class ActivityCategoryAdmin(AuditedAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
