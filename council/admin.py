"""The council side in the admin.

Plain data (councils, seats, goals and their reported measurements) is editable, and every save lands
in the audit trail (AuditedAdmin). Workflow objects (consultations and their text, comments, answers,
outcomes, concerns, reports) are read-only here: their writes belong to services that enforce state
rules, notify people and audit each step, and an admin edit would bypass all three.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from council.goals import validate_dates, validate_goal
from council.models import (
    AccountabilityReport,
    Comment,
    CommentResponse,
    Concern,
    Consultation,
    ConsultationVersion,
    Council,
    CouncilMember,
    CouncilSubscription,
    Goal,
    GoalMeasurement,
    Outcome,
    Section,
)
from portal.api.errors import ValidationFailed
from portal.audit.admin_mixins import AuditedAdmin


class _ReadOnly:
    """Viewing only: no add, change or delete, for admins and inlines alike."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(_ReadOnly, admin.ModelAdmin):
    pass


class ReadOnlyTabularInline(_ReadOnly, admin.TabularInline):
    extra = 0


# --- editable data ------------------------------------------------------------------------------


class CouncilMemberInline(admin.TabularInline):
    model = CouncilMember
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Council)
class CouncilAdmin(AuditedAdmin):
    list_display = ("name", "scope", "city")
    list_filter = ("scope",)
    search_fields = ("name", "city")
    inlines = [CouncilMemberInline]


@admin.register(CouncilMember)
class CouncilMemberAdmin(AuditedAdmin):
    list_display = ("user", "council", "sector", "role", "active_from", "active_until")
    list_filter = ("council", "sector", "role")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)
    list_select_related = ("user", "council")


class GoalMeasurementInline(admin.TabularInline):
    model = GoalMeasurement
    extra = 0
    fields = ("measured_on", "value", "source", "recorded_by", "recorded_at")
    readonly_fields = ("recorded_by", "recorded_at")


class GoalForm(forms.ModelForm):
    """The same metric, filter and date rules as the API's goal_create, so an admin edit cannot store a
    goal whose progress could never be computed."""

    class Meta:
        model = Goal
        fields = (
            "council",
            "title",
            "metric",
            "filter",
            "baseline",
            "baseline_date",
            "target",
            "deadline",
            "unit",
            "description",
        )

    def clean(self):
        data = super().clean()
        try:
            data["filter"] = validate_goal(metric=data.get("metric", ""), filters=data.get("filter") or {})
        except ValidationFailed as error:
            self._add_errors(error)
        try:
            validate_dates(baseline_date=data.get("baseline_date"), deadline=data.get("deadline"))
        except ValidationFailed as error:
            self._add_errors(error)
        return data

    def _add_errors(self, error: ValidationFailed) -> None:
        for field, messages in (error.fields or {}).items():
            self.add_error(field if field in self.fields else None, messages)


@admin.register(Goal)
class GoalAdmin(AuditedAdmin):
    form = GoalForm
    list_display = ("title", "council", "metric", "baseline", "target", "unit", "deadline")
    list_filter = ("council", "metric")
    search_fields = ("title", "metric")
    list_select_related = ("council",)
    inlines = [GoalMeasurementInline]

    def save_formset(self, request, form, formset, change):
        # A measurement records who entered it; in the admin that is the signed-in user.
        for inline_form in formset.forms:
            instance = inline_form.instance
            if isinstance(instance, GoalMeasurement) and instance.recorded_by_id is None:
                instance.recorded_by = request.user
        super().save_formset(request, form, formset, change)


@admin.register(GoalMeasurement)
class GoalMeasurementAdmin(AuditedAdmin):
    list_display = ("goal", "measured_on", "value", "source", "recorded_by")
    list_filter = ("goal__council",)
    search_fields = ("goal__title", "source")
    list_select_related = ("goal", "recorded_by")
    exclude = ("recorded_by",)

    def save_model(self, request, obj, form, change):
        if obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


# --- workflow objects: read-only ------------------------------------------------------------------


class ConsultationVersionInline(ReadOnlyTabularInline):
    model = ConsultationVersion
    fields = ("number", "note", "created_by", "created_at")
    show_change_link = True


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ("title", "council", "status", "opens_at", "closes_at")
    list_filter = ("status", "council")
    search_fields = ("title", "summary")
    list_select_related = ("council",)
    date_hierarchy = "opens_at"
    inlines = [ConsultationVersionInline]


class SectionInline(ReadOnlyTabularInline):
    model = Section
    fields = ("number", "heading", "text")


@admin.register(ConsultationVersion)
class ConsultationVersionAdmin(ReadOnlyAdmin):
    list_display = ("consultation", "number", "created_by", "created_at")
    search_fields = ("consultation__title",)
    list_select_related = ("consultation", "created_by")
    inlines = [SectionInline]


class CommentResponseInline(ReadOnlyTabularInline):
    model = CommentResponse
    fields = ("disposition", "reason", "responder", "created_at", "updated_at")


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("id", "consultation", "section", "author", "business", "created_at")
    list_filter = ("consultation__council",)
    search_fields = ("body", "author__username", "consultation__title")
    list_select_related = ("consultation", "section", "author", "business")
    inlines = [CommentResponseInline]


@admin.register(CommentResponse)
class CommentResponseAdmin(ReadOnlyAdmin):
    list_display = ("comment", "disposition", "responder", "created_at")
    list_filter = ("disposition",)
    search_fields = ("reason", "comment__body")
    list_select_related = ("comment__section", "responder")


@admin.register(Outcome)
class OutcomeAdmin(ReadOnlyAdmin):
    list_display = ("consultation", "final_version", "published_by", "published_at")
    search_fields = ("consultation__title", "summary")
    list_select_related = ("consultation", "final_version__consultation", "published_by")


@admin.register(Concern)
class ConcernAdmin(ReadOnlyAdmin):
    list_display = (
        "subject",
        "council",
        "business",
        "authority",
        "status",
        "disposition",
        "created_at",
        "due_at",
    )
    list_filter = ("status", "disposition", "council", "authority")
    search_fields = ("subject", "body", "business__name", "business__bin")
    list_select_related = ("council", "business", "authority")
    date_hierarchy = "created_at"


@admin.register(AccountabilityReport)
class AccountabilityReportAdmin(ReadOnlyAdmin):
    list_display = ("council", "period_start", "period_end", "status", "computed_at", "published_at")
    list_filter = ("status", "council")
    list_select_related = ("council",)


@admin.register(CouncilSubscription)
class CouncilSubscriptionAdmin(ReadOnlyAdmin):
    """Someone's own choice to follow a council: they make and end it themselves."""

    list_display = ("user", "council", "created_at")
    list_filter = ("council",)
    search_fields = ("user__username",)
    list_select_related = ("user", "council")
