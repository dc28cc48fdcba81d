"""Input and output shapes of the permit endpoints (DESIGN §7 field names). One per operation and direction."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from permits.calendar import calendar_context, context_calendar, working_days_between
from permits.deadlines import CLOCK_RUNS
from permits.models import (
    ActivityCategory,
    Application,
    ApplicationStatus,
    HolidayKind,
    HolidaySource,
    LicenceKind,
    Permit,
    PermitStatus,
    QuestionType,
    Tier,
)
from permits.selectors import BundleStatus, bundle_status
from permits.services.documents import download_name
from portal.accounts.api.serializers import AuthorityRefOutput, BusinessRefOutput
from portal.api.context import PageContextMixin
from portal.api.inputs import StrictBooleanField, StrictCharField, StrictChoiceField, StrictIntegerField

# --- catalogue -------------------------------------------------------------------------------


class ActivityOutput(serializers.ModelSerializer):
    class Meta:
        model = ActivityCategory
        fields = ["code", "name", "description"]


class CalendarDayOutput(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=HolidayKind.choices,
        help_text="`holiday`: a day off; `working_day`: a weekend day that is worked (a decreed transfer).",
    )
    source = serializers.ChoiceField(
        choices=HolidaySource.choices,
        help_text="`statute`: the Law on Holidays and the Labour Code; `decree`: a government decree.",
    )


class CalendarOutput(serializers.Serializer):
    year = serializers.IntegerField()
    time_zone = serializers.CharField(help_text="Days are counted in this zone's local dates.")
    weekend = serializers.ListField(
        child=serializers.IntegerField(), help_text="ISO weekdays that are off unless listed as worked."
    )
    loaded = serializers.BooleanField(
        help_text="False when the year's statutory holidays are not loaded yet: do not count deadlines in it."
    )
    days = CalendarDayOutput(many=True)


class RequirementRefOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class QuestionOutput(serializers.Serializer):
    key = serializers.CharField(source="question.key")
    label = serializers.CharField(source="question.label")
    type = serializers.ChoiceField(source="question.type", choices=QuestionType.choices)
    required = serializers.BooleanField()
    choices = serializers.ListField(source="question.choices", child=serializers.CharField(), required=False)

    def to_representation(self, link):
        data = super().to_representation(link)
        if link.question.type != QuestionType.CHOICE:
            data.pop("choices", None)
        return data


class FinderItemOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=LicenceKind.choices)
    authority = AuthorityRefOutput()
    risk_tier = serializers.ChoiceField(source="base_tier", choices=Tier.choices)
    deadline_working_days = serializers.SerializerMethodField(
        help_text="Working days the authority has to decide at the base tier; null: issued at once."
    )
    fee = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="In tenge.")
    required_documents = RequirementRefOutput(many=True)
    questions = QuestionOutput(source="question_links", many=True)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_deadline_working_days(self, licence_type) -> int | None:
        return licence_type.deadline_for(licence_type.base_tier)


class LegalActRefOutput(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    reference = serializers.CharField()


class LicenceTypeOutput(FinderItemOutput):
    description = serializers.CharField()
    legal_basis = LegalActRefOutput()
    legal_articles = serializers.CharField()
    validity_months = serializers.IntegerField(allow_null=True, help_text="Null: open-ended.")
    tacit_approval = serializers.BooleanField()
    activities = serializers.SerializerMethodField(help_text="Codes of the activities that need it.")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_activities(self, licence_type) -> list[str]:
        return [activity.code for activity in licence_type.activities.all()]


# --- permits ---------------------------------------------------------------------------------


class PermitRefOutput(serializers.Serializer):
    number = serializers.CharField()
    verification_code = serializers.CharField()
    status = serializers.ChoiceField(choices=PermitStatus.choices)
    valid_until = serializers.DateField(allow_null=True)


class PermitOutput(serializers.ModelSerializer):
    """A permit as its holder and the issuing authority see it."""

    holder = BusinessRefOutput()
    licence_type = serializers.CharField(source="licence_type.code")
    authority = AuthorityRefOutput(source="licence_type.authority")
    application = serializers.CharField(source="application.reference")

    class Meta:
        model = Permit
        fields = [
            "number",
            "verification_code",
            "status",
            "holder",
            "licence_type",
            "authority",
            "application",
            "issued_at",
            "valid_until",
            "is_tacit",
            "post_check_status",
            "status_reason",
            "suspended_until",
        ]


class PublicPermitOutput(serializers.Serializer):
    number = serializers.CharField()
    holder = serializers.CharField(source="holder.name")
    licence_type = serializers.CharField(source="licence_type.code")
    licence_type_name = serializers.CharField(source="licence_type.name")
    status = serializers.ChoiceField(choices=PermitStatus.choices)
    issued_at = serializers.DateTimeField()
    valid_until = serializers.DateField(allow_null=True)


# --- applications ----------------------------------------------------------------------------


class CalendarContextMixin(PageContextMixin):
    """For list views whose rows count working days: the calendar is read once per page."""

    page_context = staticmethod(calendar_context)


STAGES = [
    "draft",
    "awaiting_review",
    "review",
    "first_review",
    "second_review",
    "awaiting_applicant",
    "decided",
    "withdrawn",
]


def stage_of(application: Application) -> str:
    """Where the application stands in its pathway, in words the applicant can act on."""
    S = ApplicationStatus
    return {
        S.DRAFT: "draft",
        S.SUBMITTED: "awaiting_review",
        S.IN_REVIEW: "first_review" if application.risk_tier == Tier.HIGH else "review",
        S.SECOND_REVIEW: "second_review",
        S.INFO_REQUESTED: "awaiting_applicant",
        S.APPROVED: "decided",
        S.REJECTED: "decided",
        S.WITHDRAWN: "withdrawn",
    }[application.status]


class ApplicationOutput(serializers.ModelSerializer):
    business = serializers.IntegerField(source="business_id")
    licence_type = serializers.CharField(source="licence_type.code")
    stage = serializers.SerializerMethodField()
    working_days_left = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    risk_tier = serializers.SerializerMethodField()
    risk_reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why the tier is what it is: first the licence type's own tier in law, then each risk "
        "rule that raised it, then each optional question left unanswered that counts as the answer "
        "raising the tier most. Empty while a draft.",
    )
    answers = serializers.DictField()
    assigned_to = serializers.SerializerMethodField()
    bundle = serializers.IntegerField(source="bundle_id", allow_null=True)
    permit = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "reference",
            "business",
            "licence_type",
            "status",
            "stage",
            "risk_tier",
            "risk_reasons",
            "rule_set_version",
            "answers",
            "created_at",
            "submitted_at",
            "due_at",
            "working_days_left",
            "overdue",
            "decided_at",
            "decision_reason",
            "assigned_to",
            "version",
            "bundle",
            "permit",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=STAGES))
    def get_stage(self, application) -> str:
        return stage_of(application)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_working_days_left(self, application) -> int | None:
        """Working days until the due date (0 on the day itself or after); null without a running clock."""
        if application.due_at is None or application.status not in CLOCK_RUNS:
            return None
        now = timezone.now()
        if application.due_at <= now:
            return 0
        return working_days_between(now, application.due_at, exceptions=context_calendar(self.context))

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, application) -> bool:
        return bool(
            application.due_at and application.status in CLOCK_RUNS and application.due_at <= timezone.now()
        )

    @extend_schema_field(serializers.ChoiceField(choices=Tier.choices, allow_null=True))
    def get_risk_tier(self, application) -> str | None:
        return application.risk_tier or None

    @extend_schema_field(
        serializers.CharField(allow_null=True, help_text="Username of the assigned official.")
    )
    def get_assigned_to(self, application) -> str | None:
        return application.assigned_to.username if application.assigned_to_id else None

    @extend_schema_field(PermitRefOutput(allow_null=True))
    def get_permit(self, application) -> dict | None:
        # A missing reverse one-to-one raises on access; hasattr turns that into "no permit".
        return PermitRefOutput(application.permit).data if hasattr(application, "permit") else None


class ApplicationCreateInput(serializers.Serializer):
    business = StrictIntegerField(min_value=1)
    licence_type = StrictCharField(max_length=60, help_text="A licence type code; an unknown one is a 400.")
    answers = serializers.DictField(required=False, default=dict)


class ApplicationUpdateInput(serializers.Serializer):
    answers = serializers.DictField(
        required=False,
        default=dict,
        help_text="Given keys replace the stored answers; a null removes one; left out, none change.",
    )
    version = StrictIntegerField(required=False, min_value=1, help_text="Optimistic lock: 409 if stale.")


class VersionInput(serializers.Serializer):
    version = StrictIntegerField(required=False, min_value=1, help_text="Optimistic lock: 409 if stale.")


class WithdrawInput(VersionInput):
    reason = StrictCharField(required=False, allow_blank=True, max_length=2000)


class DocumentInput(serializers.Serializer):
    requirement = StrictCharField(
        max_length=60, help_text="A document requirement code of the licence type; another is a 400."
    )
    file = serializers.FileField(
        allow_empty_file=True, help_text="PDF, PNG or JPEG; 10 MB at most by default."
    )


class DocumentOutput(serializers.Serializer):
    id = serializers.IntegerField(source="document.id")
    requirement = serializers.CharField(source="requirement.code")
    name = serializers.SerializerMethodField(
        help_text="The name it downloads under: the uploaded name, cleaned, with the extension of its type."
    )
    content_type = serializers.CharField(source="document.content_type")
    size = serializers.IntegerField(source="document.size")
    sha256 = serializers.CharField(source="document.sha256")
    uploaded_at = serializers.DateTimeField(source="document.created_at")
    download = serializers.SerializerMethodField()

    def get_name(self, link) -> str:
        return download_name(link.document.original_name, link.document.content_type)

    def get_download(self, link) -> str:
        return reverse(
            "application-document-file", kwargs={"pk": link.application_id, "document_id": link.document_id}
        )


class MessageInput(serializers.Serializer):
    body = StrictCharField(max_length=5000)


class MessageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(source="author.username")
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


# --- bundles ---------------------------------------------------------------------------------


class BundleCreateInput(serializers.Serializer):
    business = StrictIntegerField(min_value=1)
    licence_types = serializers.ListField(
        child=StrictCharField(max_length=60),
        min_length=1,
        max_length=30,
        help_text="Licence type codes, each once; an unknown one is a 400.",
    )
    answers = serializers.DictField(required=False, default=dict)


class BundleOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.SerializerMethodField()
    business = serializers.IntegerField(source="business_id")
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    answers = serializers.DictField()
    applications = ApplicationOutput(many=True)

    @extend_schema_field(serializers.ChoiceField(choices=BundleStatus.CHOICES))
    def get_status(self, bundle) -> str:
        return bundle_status(a.status for a in bundle.applications.all())


class BundleDocumentOutput(serializers.Serializer):
    document = DocumentOutput()
    applications = serializers.ListField(child=serializers.CharField(), help_text="References it now serves.")


# --- the review side ---------------------------------------------------------------------------


class QueueItemOutput(ApplicationOutput):
    """An application as the official's queue shows it."""

    kind = serializers.SerializerMethodField(
        help_text="`review`, or `post_check` for a sampled low-risk permit."
    )
    business = BusinessRefOutput()

    class Meta(ApplicationOutput.Meta):
        fields = ["kind", *ApplicationOutput.Meta.fields]

    @extend_schema_field(serializers.ChoiceField(choices=["review", "post_check"]))
    def get_kind(self, application) -> str:
        return "post_check" if application.post_check_pending else "review"


class OutOfOrderInput(serializers.Serializer):
    out_of_order_reason = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Required when an older file is waiting for you: why this one first (recorded).",
    )


class DecideInput(OutOfOrderInput):
    decision = StrictChoiceField(choices=["approve", "reject"])
    reason = StrictCharField(max_length=5000)
    legal_basis = StrictCharField(
        required=False, allow_blank=True, max_length=60, help_text="A legal act code; a rejection needs it "
        "(or `requirement`)."
    )  # fmt: skip
    requirement = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="A document requirement code the rejection rests on; an unknown one is a 400.",
    )
    version = StrictIntegerField(required=False, min_value=1)


class RequestInfoInput(OutOfOrderInput):
    message = StrictCharField(max_length=5000)
    version = StrictIntegerField(required=False, min_value=1)


class ResubmitInput(serializers.Serializer):
    message = StrictCharField(required=False, allow_blank=True, max_length=5000)
    version = StrictIntegerField(required=False, min_value=1)


class ReassignInput(serializers.Serializer):
    to = StrictCharField(max_length=150, help_text="Username of the official to take the file.")
    reason = StrictCharField(max_length=5000)


class NoteInput(serializers.Serializer):
    body = StrictCharField(max_length=5000)


class NoteOutput(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(source="author.username")
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class ConflictInput(serializers.Serializer):
    business = StrictIntegerField(min_value=1, help_text="The business's id.")
    reason = StrictCharField(max_length=5000, help_text="The nature of the link.")
    official = StrictCharField(
        required=False,
        max_length=150,
        help_text="Supervisors only: record a link found for another official.",
    )


class ConflictOutput(serializers.Serializer):
    id = serializers.IntegerField()
    official = serializers.CharField(source="official.username")
    business = BusinessRefOutput()
    reason = serializers.CharField()
    source = serializers.CharField()
    created_at = serializers.DateTimeField()


class PermitActionInput(serializers.Serializer):
    reason = StrictCharField(max_length=5000)


class PermitSuspendInput(PermitActionInput):
    until = serializers.DateField(
        required=False, allow_null=True, help_text="Optional end of the suspension."
    )


class PostCheckInput(serializers.Serializer):
    outcome = StrictChoiceField(choices=["passed", "problem_found"])
    reason = StrictCharField(max_length=5000)
    suspend = StrictBooleanField(required=False, default=False, help_text="Suspend when a problem is found.")
