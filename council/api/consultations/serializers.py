"""Input and output shapes of consultations, comments and answers (DESIGN §7 field names)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from council.models import ConsultationStatus, Disposition
from council.services.consultations import (
    MAX_COMMENT,
    MAX_HEADING,
    MAX_SECTION_TEXT,
    MAX_SECTIONS,
    MAX_SUMMARY,
    MAX_TITLE,
)
from portal.api.inputs import StrictBooleanField, StrictCharField, StrictChoiceField, StrictIntegerField

# --- input -----------------------------------------------------------------------------------------


class ConsultationSectionInput(serializers.Serializer):
    number = StrictCharField(max_length=20, help_text="As printed: 1, 2, 3.1 ...")
    heading = StrictCharField(max_length=MAX_HEADING, required=False, allow_blank=True, default="")
    text = StrictCharField(max_length=MAX_SECTION_TEXT)


class SectionsMixin(serializers.Serializer):
    sections = ConsultationSectionInput(
        many=True,
        allow_empty=False,
        max_length=MAX_SECTIONS,
        help_text="At least one; section numbers unique.",
    )

    def validate_sections(self, value):
        numbers = [s["number"].strip() for s in value]
        if len(set(numbers)) != len(numbers):
            raise serializers.ValidationError("Section numbers must be unique.")
        return value


class ConsultationCreateInput(SectionsMixin):
    council = StrictIntegerField()
    title = StrictCharField(max_length=MAX_TITLE)
    summary = StrictCharField(max_length=MAX_SUMMARY)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField(help_text="After opens_at, and in the future.")
    legal_act = StrictCharField(
        max_length=60,
        required=False,
        allow_blank=True,
        help_text="Code of the existing legal act amended; an unknown one is a 400.",
    )
    proposed_act_title = StrictCharField(
        max_length=300, required=False, allow_blank=True, help_text="Title of a proposed new act."
    )
    activities = serializers.ListField(
        child=StrictCharField(max_length=40),
        required=False,
        max_length=50,
        help_text="Activity codes; an unknown one is a 400.",
    )
    comments_public_while_open = StrictBooleanField(required=False, default=False)


class ConsultationUpdateInput(serializers.Serializer):
    title = StrictCharField(max_length=MAX_TITLE, required=False)
    summary = StrictCharField(max_length=MAX_SUMMARY, required=False)
    opens_at = serializers.DateTimeField(required=False)
    closes_at = serializers.DateTimeField(required=False)
    legal_act = StrictCharField(max_length=60, required=False, allow_blank=True)
    proposed_act_title = StrictCharField(max_length=300, required=False, allow_blank=True)
    activities = serializers.ListField(child=StrictCharField(max_length=40), required=False, max_length=50)
    comments_public_while_open = StrictBooleanField(required=False)


class ConsultationVersionInput(SectionsMixin):
    note = StrictCharField(max_length=5000, required=False, allow_blank=True, default="")


class PublishOutcomeInput(serializers.Serializer):
    summary = StrictCharField(max_length=MAX_SUMMARY)
    final_version = StrictIntegerField(
        min_value=1, required=False, help_text="The version that is the final text; the latest if left out."
    )


class CommentInput(serializers.Serializer):
    section = StrictCharField(max_length=20, help_text="A section number of the current text.")
    body = StrictCharField(max_length=MAX_COMMENT)
    business = StrictIntegerField(
        required=False, allow_null=True, help_text="Written on behalf of this business (one you act for)."
    )


class CommentEditInput(serializers.Serializer):
    # PATCH is partial: a body left out stays as it is.
    body = StrictCharField(max_length=MAX_COMMENT, required=False)


class CommentRespondInput(serializers.Serializer):
    disposition = StrictChoiceField(choices=Disposition.choices)
    reason = StrictCharField(
        max_length=MAX_COMMENT,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for a rejection.",
    )


# --- output ----------------------------------------------------------------------------------------


class ConsultationCouncilOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CommentBusinessOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ConsultationSectionOutput(serializers.Serializer):
    number = serializers.CharField()
    heading = serializers.CharField()
    text = serializers.CharField()


class ConsultationVersionSummaryOutput(serializers.Serializer):
    number = serializers.IntegerField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class ConsultationVersionOutput(ConsultationVersionSummaryOutput):
    sections = ConsultationSectionOutput(many=True)


class CommentResponseOutput(serializers.Serializer):
    disposition = serializers.ChoiceField(choices=Disposition.choices)
    reason = serializers.CharField()
    responder = serializers.SerializerMethodField()
    answered_at = serializers.DateTimeField(source="updated_at")

    def get_responder(self, response) -> str:
        return response.responder.display_name


class CommentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    consultation = serializers.IntegerField(source="consultation_id")
    section = serializers.CharField(source="section.number")
    version = serializers.IntegerField(
        source="section.version.number", help_text="The text version commented on."
    )
    author = serializers.SerializerMethodField()
    business = CommentBusinessOutput(allow_null=True)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    response = serializers.SerializerMethodField(help_text="The council's answer, once given.")

    def get_author(self, comment) -> str:
        return comment.author.display_name

    @extend_schema_field(CommentResponseOutput(allow_null=True))
    def get_response(self, comment):
        response = getattr(comment, "response", None)
        return CommentResponseOutput(response).data if response is not None else None


class ConsultationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    council = ConsultationCouncilOutput()
    title = serializers.CharField()
    summary = serializers.CharField()
    status = serializers.ChoiceField(choices=ConsultationStatus.choices)
    legal_act = serializers.CharField(source="legal_act.code", allow_null=True, help_text="The act amended.")
    proposed_act_title = serializers.CharField()
    activities = serializers.SerializerMethodField(help_text="Codes of the activities the draft concerns.")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    opened_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    comments_public_while_open = serializers.BooleanField()
    current_version = serializers.IntegerField()
    comment_count = serializers.IntegerField()

    def get_activities(self, consultation) -> list[str]:
        return [activity.code for activity in consultation.activities.all()]


class OutcomeOutput(serializers.Serializer):
    summary = serializers.CharField()
    final_version = serializers.IntegerField(source="final_version.number")
    published_at = serializers.DateTimeField()
    published_by = serializers.SerializerMethodField()
    answers = CommentOutput(many=True, source="answered", help_text="Every comment with its answer.")

    def get_published_by(self, outcome) -> str:
        return outcome.published_by.display_name


class ConsultationDetailOutput(ConsultationOutput):
    sections = ConsultationSectionOutput(many=True, source="current_sections", help_text="The current text.")
    versions = ConsultationVersionSummaryOutput(many=True, source="versions.all")
    outcome = serializers.SerializerMethodField(
        help_text='Once published: the summary, the final text version and every answer ("you said, we did").'
    )

    @extend_schema_field(OutcomeOutput(allow_null=True))
    def get_outcome(self, consultation):
        if consultation.status != ConsultationStatus.OUTCOME_PUBLISHED:
            return None
        outcome = consultation.outcome
        outcome.answered = consultation.answered_comments
        return OutcomeOutput(outcome).data


class CouncilSubscriptionOutput(serializers.Serializer):
    council = serializers.IntegerField(source="council_id")
    created_at = serializers.DateTimeField()
