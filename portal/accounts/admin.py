from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.accounts import services
from portal.accounts.models import (
    ApiClient,
    Authority,
    Business,
    LoginFailure,
    Membership,
    OfficialProfile,
    User,
)
from portal.audit.admin_mixins import AuditedAdmin

# Clearing a lockout lets someone guess passwords again: it needs the right to delete the failures,
# which the plain delete does not offer (the action goes through the audited service instead).
CLEAR_LOCKOUT_PERMISSION = "accounts.delete_loginfailure"


class ClearsLockouts:
    def has_clear_lockout_permission(self, request) -> bool:
        return request.user.has_perm(CLEAR_LOCKOUT_PERMISSION)

    def _clear_lockouts(self, request, usernames) -> None:
        cleared = sum(services.login_lockout_clear(actor=request.user, username=name) for name in usernames)
        self.message_user(
            request,
            ngettext(
                "Cleared the sign-in lockout of %(n)d account.",
                "Cleared the sign-in lockouts of %(n)d accounts.",
                cleared,
            )
            % {"n": cleared},
            messages.SUCCESS if cleared else messages.INFO,
        )


@admin.register(User)
class UserAdmin(ClearsLockouts, AuditedAdmin, DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_demo", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "is_demo")
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Portal"), {"fields": ("preferred_language", "is_demo")}))
    actions = ["clear_lockout"]

    @admin.action(
        description=_("Clear the sign-in lockout (wrong passwords forgotten)"), permissions=["clear_lockout"]
    )
    def clear_lockout(self, request, queryset):
        self._clear_lockouts(request, queryset.values_list("username", flat=True))


@admin.register(LoginFailure)
class LoginFailureAdmin(ClearsLockouts, admin.ModelAdmin):
    """Wrong passwords per username, for reading; the one write is the unlock action."""

    list_display = ("username", "failures", "window_started_at", "last_failed_at", "locked_until")
    search_fields = ("username",)
    ordering = ("-last_failed_at",)
    actions = ["clear_lockout"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description=_("Clear the lockout (wrong passwords forgotten)"), permissions=["clear_lockout"]
    )
    def clear_lockout(self, request, queryset):
        self._clear_lockouts(request, queryset.values_list("username", flat=True))


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

    def save_formset(self, request, form, formset, change):
        """Memberships go through the accounts services, like any other membership write: each audit
        event says who was added to (or removed from) which business in which role."""
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        business = form.instance
        # What the admin's change message reads, as formset.save() would have left it.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        with transaction.atomic():
            for inline_form in formset.initial_forms:
                membership = inline_form.instance
                if inline_form in formset.deleted_forms:
                    services.membership_remove(actor=request.user, membership_id=membership.pk)
                    formset.deleted_objects.append(membership)
                elif "user" in inline_form.changed_data:
                    # Another person in this row: the first one leaves, the other joins.
                    services.membership_remove(actor=request.user, membership_id=membership.pk)
                    added = services.membership_add(
                        actor=request.user,
                        user=inline_form.cleaned_data["user"],
                        business=business,
                        role=inline_form.cleaned_data["role"],
                    )
                    formset.deleted_objects.append(membership)
                    formset.new_objects.append(added)
                elif "role" in inline_form.changed_data:
                    changed = services.membership_role_change(
                        actor=request.user, membership_id=membership.pk, role=inline_form.cleaned_data["role"]
                    )
                    formset.changed_objects.append((changed, ["role"]))
            for inline_form in formset.extra_forms:
                if not inline_form.has_changed() or inline_form in formset.deleted_forms:
                    continue
                formset.new_objects.append(
                    services.membership_add(
                        actor=request.user,
                        user=inline_form.cleaned_data["user"],
                        business=business,
                        role=inline_form.cleaned_data["role"],
                    )
                )
        return None


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
