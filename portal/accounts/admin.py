from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.accounts import services
from portal.accounts.models import ApiClient, Authority, Business, Membership, OfficialProfile, User
from portal.audit.admin_mixins import AuditedAdmin


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_demo", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "is_demo")
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Portal"), {"fields": ("preferred_language", "is_demo")}))


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Business)
class BusinessAdmin(AuditedAdmin):
    list_display = ("name", "bin", "kind", "city", "in_smart_city_zone", "activity")
    list_filter = ("kind", "city", "in_smart_city_zone", "activity")
    search_fields = ("name", "bin")
    inlines = [MembershipInline]


@admin.register(Authority)
class AuthorityAdmin(AuditedAdmin):
    list_display = ("code", "name", "jurisdiction", "city")
    list_filter = ("jurisdiction",)
    search_fields = ("code", "name")


@admin.register(OfficialProfile)
class OfficialProfileAdmin(AuditedAdmin):
    list_display = ("user", "authority", "clearance", "is_supervisor")
    list_filter = ("authority", "clearance", "is_supervisor")
    search_fields = ("user__username", "authority__code")
    autocomplete_fields = ("user",)
    list_select_related = ("user", "authority")


@admin.register(ApiClient)
class ApiClientAdmin(AuditedAdmin):
    list_display = ("name", "user", "business", "contact_email", "created_at")
    search_fields = ("name", "user__username")
    autocomplete_fields = ("user", "business")
    list_select_related = ("user", "business")
    actions = ["issue_token"]

    @admin.action(description=_("Issue a new API token (shown once)"))
    def issue_token(self, request, queryset):
        for client in queryset.select_related("user"):
            instance, key = services.auth_token_issue(user=client.user, actor=request.user)
            self.message_user(
                request,
                _("Token for %(client)s (expires %(expiry)s): %(key)s")
                % {"client": client.name, "expiry": instance.expiry, "key": key},
                messages.WARNING,
            )
