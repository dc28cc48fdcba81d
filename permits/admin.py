"""The catalogue and the risk rules are data, edited here; applications and permits are read here,
because their changes belong to the workflow (services), not to forms."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from permits.models import (
    ActivityCategory,
    Application,
    Bundle,
    DocumentRequirement,
    Holiday,
    HolidaySource,
    InternalNote,
    LegalAct,
    LicenceType,
    LicenceTypeQuestion,
    Permit,
    Question,
    Review,
    RiskRule,
    RiskRuleSet,
    RuleSetStatus,
)
from permits.services.catalogue import rule_set_publish
from permits.services.review import conflict_declare
from portal.accounts.models import ConflictOfInterest
from portal.api.errors import DomainError
from portal.audit.admin_mixins import AuditedAdmin


@admin.register(ActivityCategory)
class ActivityCategoryAdmin(AuditedAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(LegalAct)
class LegalActAdmin(AuditedAdmin):
    list_display = ("code", "title", "reference")
    search_fields = ("code", "title", "reference")


@admin.register(DocumentRequirement)
class DocumentRequirementAdmin(AuditedAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Question)
class QuestionAdmin(AuditedAdmin):
    list_display = ("key", "label", "type")
    list_filter = ("type",)
    search_fields = ("key", "label")


class LicenceTypeQuestionInline(admin.TabularInline):
    model = LicenceTypeQuestion
    extra = 0
    autocomplete_fields = ("question",)


@admin.register(LicenceType)
class LicenceTypeAdmin(AuditedAdmin):
    list_display = ("code", "name", "authority", "kind", "base_tier", "fee", "tacit_approval", "is_active")
    list_filter = ("authority", "kind", "base_tier", "tacit_approval", "is_active")
    search_fields = ("code", "name")
    filter_horizontal = ("required_documents", "activities")
    autocomplete_fields = ("legal_basis",)
    inlines = [LicenceTypeQuestionInline]
    list_select_related = ("authority",)


class RiskRuleInline(admin.TabularInline):
    model = RiskRule
    extra = 0
    autocomplete_fields = ("licence_type",)

    def has_add_permission(self, request, obj=None):
        return obj is None or obj.status == RuleSetStatus.DRAFT

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.status == RuleSetStatus.DRAFT

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == RuleSetStatus.DRAFT


@admin.register(RiskRuleSet)
class RiskRuleSetAdmin(AuditedAdmin):
    """A published rule set is frozen: change the rules in a new draft version, then publish it."""

    list_display = ("version", "status", "published_at", "notes")
    readonly_fields = ("status", "published_at", "published_by")
    inlines = [RiskRuleInline]
    actions = ["publish"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == RuleSetStatus.PUBLISHED:
            return ("version", "notes", *self.readonly_fields)
        return self.readonly_fields

    @admin.action(description=_("Publish the selected draft rule set"))
    def publish(self, request, queryset):
        for rule_set in queryset.order_by("version"):
            try:
                rule_set_publish(actor=request.user, rule_set=rule_set)
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
            else:
                self.message_user(request, _("Published v%(v)s.") % {"v": rule_set.version}, messages.SUCCESS)


@admin.register(Holiday)
class HolidayAdmin(AuditedAdmin):
    """Decreed transfers are entered here. A row saved by hand becomes a decree row, which reloads of
    the statute never touch; to override a statutory day (a Kurban Ait confirmed on another date),
    change that day's row to a worked day and add the confirmed date as a holiday."""

    list_display = ("date", "name", "kind", "source")
    list_filter = ("kind", "source")
    date_hierarchy = "date"
    readonly_fields = ("source",)

    def save_model(self, request, obj, form, change):
        obj.source = HolidaySource.DECREE
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("reference", "business", "licence_type", "status", "risk_tier", "submitted_at", "due_at")
    list_filter = ("status", "risk_tier", "licence_type__authority")
    search_fields = ("reference", "business__name", "business__bin")
    list_select_related = ("business", "licence_type")
    date_hierarchy = "created_at"


@admin.register(Bundle)
class BundleAdmin(ReadOnlyAdmin):
    list_display = ("id", "business", "created_at", "submitted_at")
    list_select_related = ("business",)


@admin.register(Permit)
class PermitAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "holder",
        "licence_type",
        "status",
        "issued_at",
        "valid_until",
        "post_check_status",
    )
    list_filter = ("status", "post_check_status", "is_tacit", "licence_type__authority")
    search_fields = ("number", "holder__name", "holder__bin")
    list_select_related = ("holder", "licence_type")


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("application", "stage", "reviewer", "outcome", "created_at")
    list_filter = ("stage", "outcome")
    search_fields = ("application__reference", "reviewer__username")
    list_select_related = ("application", "reviewer")


@admin.register(InternalNote)
class InternalNoteAdmin(ReadOnlyAdmin):
    list_display = ("application", "author", "created_at")
    search_fields = ("application__reference", "author__username")
    list_select_related = ("application", "author")


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(ReadOnlyAdmin):
    """Recorded through the service, so the official's open files of that business are reassigned."""

    list_display = ("official", "business", "source", "created_at")
    list_filter = ("source",)
    search_fields = ("official__username", "business__name", "business__bin")
    autocomplete_fields = ("official", "business")
    fields = ("official", "business", "reason", "source")
    list_select_related = ("official", "business")

    def has_add_permission(self, request):
        return True

    def save_model(self, request, obj, form, change):
        conflict = conflict_declare(
            actor=request.user,
            official=obj.official,
            business=obj.business,
            reason=obj.reason,
            source=obj.source,
        )
        obj.pk, obj.created_at = conflict.pk, conflict.created_at  # the admin goes on with the saved row
