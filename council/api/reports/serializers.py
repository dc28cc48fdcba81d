"""Input and output shapes of the reports and goals endpoints."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from council.goals import DATE_RANGE_MESSAGE, METRICS, date_in_range
from council.models import AccountabilityReport
from council.models.reports import EARLIEST_DATE, LATEST_DATE
from council.services.reports import MAX_COMMENTARY
from portal.api.inputs import (
    MAX_TEXT,
    StrictCharField,
    StrictChoiceField,
    StrictDecimalField,
    StrictIntegerField,
)

METRICS_HELP = (
    "The report's figures as plain JSON, frozen once published: `period`, `computed_at`, `applications` "
    "(`by_authority_tier`, `by_authority`, `total`), `concerns` (`by_authority`, `total`), `consultations` "
    "(`items`, `total`), `goals` and `definitions` (one sentence per metric). Every figure is a JSON number, "
    "never a string: counts are integers, shares are fractions from 0 to 1 rounded to 4 places, durations "
    "are working days rounded to 1 place, goal values and percentages are rounded to 2 and 1 places; null "
    "means there was nothing to measure. Each goal has the fields of a goal in the goals list: a goal whose "
    "progress could not be computed has `status` error and an `error` `{code, detail}`."
)


DATE_RANGE = f"Between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."


def in_date_range(value):
    if not date_in_range(value):
        raise serializers.ValidationError(DATE_RANGE_MESSAGE)


def bounded_date_field(help_text: str = "", **kwargs) -> serializers.DateField:
    """A date a goal or a report may speak of (the services and the database hold the same bounds)."""
    return serializers.DateField(
        validators=[in_date_range], help_text=f"{help_text} {DATE_RANGE}".strip(), **kwargs
    )


class ReportCreateInput(serializers.Serializer):
    council = StrictIntegerField(min_value=1)
    period_start = bounded_date_field("First day of the period (Asia/Almaty); not in the future.")
    period_end = bounded_date_field(
        "Last day of the period, included; not before period_start, at most five years on."
    )


class ReportPublishInput(serializers.Serializer):
    commentary = StrictCharField(
        allow_blank=True,
        max_length=MAX_COMMENTARY,
        trim_whitespace=False,
        help_text="The council's commentary, published with the figures.",
    )


class CouncilRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ReportSummaryOutput(serializers.ModelSerializer):
    council = CouncilRefOutput()
    page_url = serializers.SerializerMethodField(help_text="The readable HTML page, once published.")

    class Meta:
        model = AccountabilityReport
        fields = [
            "id",
            "council",
            "period_start",
            "period_end",
            "status",
            "computed_at",
            "published_at",
            "page_url",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, report) -> str | None:
        if report.status != "published":
            return None
        path = reverse("council-report-page", args=[report.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ReportOutput(ReportSummaryOutput):
    metrics = serializers.JSONField(help_text=METRICS_HELP)

    class Meta(ReportSummaryOutput.Meta):
        fields = [*ReportSummaryOutput.Meta.fields, "commentary", "metrics"]


class GoalCreateInput(serializers.Serializer):
    council = StrictIntegerField(min_value=1)
    title = StrictCharField(max_length=300)
    metric = StrictChoiceField(choices=sorted(METRICS))
    filter = serializers.JSONField(
        required=False,
        help_text='Narrows a computed metric, e.g. {"in_smart_city_zone": true}; `window`: cumulative, '
        "period or trailing.",
    )
    baseline = StrictDecimalField(max_digits=14, decimal_places=2)
    baseline_date = bounded_date_field()
    target = StrictDecimalField(max_digits=14, decimal_places=2, help_text="Must differ from the baseline.")
    deadline = bounded_date_field("After baseline_date.")
    unit = StrictCharField(max_length=40, required=False, allow_blank=True, default="")
    description = StrictCharField(required=False, allow_blank=True, default="", max_length=MAX_TEXT)


class MeasurementInput(serializers.Serializer):
    measured_on = bounded_date_field("Not in the future.")
    value = StrictDecimalField(max_digits=14, decimal_places=2)
    source = StrictCharField(max_length=300, help_text="Where the figure comes from.")


class MeasurementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    goal = serializers.IntegerField(source="goal_id")
    measured_on = serializers.DateField()
    value = serializers.FloatField()
    source = serializers.CharField()


class GoalErrorOutput(serializers.Serializer):
    code = serializers.CharField(
        help_text="goal_dates_out_of_range: the goal's stored dates lie outside the allowed range; "
        "goal_metric_failed: computing its metric failed (logged on our side).",
    )
    detail = serializers.CharField()


class GoalOutput(serializers.Serializer):
    """A goal with its progress; every figure a JSON number. A goal whose progress cannot be computed
    has `status` "error", null figures and an `error` saying why; the other goals are unaffected."""

    id = serializers.IntegerField()
    council = serializers.IntegerField()
    title = serializers.CharField()
    metric = serializers.CharField()
    metric_label = serializers.CharField()
    kind = serializers.CharField(allow_null=True, help_text="computed or reported")
    unit = serializers.CharField()
    filter = serializers.JSONField()
    baseline = serializers.FloatField()
    baseline_date = serializers.DateField()
    target = serializers.FloatField()
    deadline = serializers.DateField()
    value = serializers.FloatField(allow_null=True)
    window_start = serializers.DateField(required=False, help_text="Computed metrics: first day counted.")
    window_end = serializers.DateField(required=False, help_text="Computed metrics: last day counted.")
    measured_on = serializers.DateField(
        required=False, allow_null=True, help_text="Reported metrics: date of the latest measurement."
    )
    progress_percent = serializers.FloatField(allow_null=True)
    time_elapsed_percent = serializers.FloatField(allow_null=True, help_text="Null when status is error.")
    on_track = serializers.BooleanField(allow_null=True)
    status = serializers.CharField(help_text="achieved, on_track, behind, no_data, or error (see `error`)")
    error = GoalErrorOutput(
        allow_null=True, help_text="Why the progress could not be computed; null when it was."
    )
