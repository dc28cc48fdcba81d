"""Accountability reports and goals. Thin: parse, call a selector or a service, render.

Reads are public (the selectors show a draft only to its council's members); writes need the
council's chair or secretary, which the services check.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from council.api.reports import export
from council.api.reports.serializers import (
    GoalCreateInput,
    GoalOutput,
    MeasurementInput,
    MeasurementOutput,
    ReportCreateInput,
    ReportOutput,
    ReportPublishInput,
    ReportSummaryOutput,
)
from council.selectors import reports as selectors
from council.services import reports as services
from portal.api.csv_reply import csv_reply
from portal.api.idempotency import idempotent
from portal.api.inputs import MAX_ID, choice, integer, query_value, valid_input
from portal.api.permissions import PublicReads
from portal.api.schema import IDEMPOTENCY_KEY, errors

TAGS = ["council"]


def _council_param(request) -> int | None:
    return query_value(request.query_params, "council", integer(minimum=1, maximum=MAX_ID))


def _report(request, report_id: int, status_code=status.HTTP_200_OK) -> Response:
    report = selectors.report_get(user=request.user, report_id=report_id)
    return Response(ReportOutput(report, context={"request": request}).data, status=status_code)


COUNCIL_FILTER = OpenApiParameter(
    "council",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    description="Only this council's (its id).",
)


class ReportListCreateView(PublicReads, generics.ListAPIView):
    serializer_class = ReportSummaryOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.published_reports()
        reports = selectors.report_list(user=self.request.user)
        council_id = _council_param(self.request)
        return reports.filter(council_id=council_id) if council_id is not None else reports

    @extend_schema(
        operation_id="council_reports_list",
        tags=TAGS,
        description="Published reports; a council's members also see its drafts. Newest period first.",
        parameters=[COUNCIL_FILTER],
        responses={200: ReportSummaryOutput, **errors(400, 401)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="council_reports_create",
        tags=TAGS,
        description=(
            "The council's chair or secretary: a draft report for a period, its metrics computed at once. "
            "One report per council and period (409 `report_exists`). Dates from 2000-01-01 to 2100-12-31. "
            "If the figures cannot be computed: 500 `report_metrics_failed`, and nothing is saved. A goal "
            "whose progress cannot be computed does not fail the report: its row carries an `error`."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=ReportCreateInput,
        responses={201: ReportOutput, **errors(400, 401, 403, 409)},
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        data = valid_input(ReportCreateInput, request.data)
        council = selectors.council_for_write(council_id=data["council"])
        report = services.report_create(
            actor=request.user,
            council=council,
            period_start=data["period_start"],
            period_end=data["period_end"],
        )
        return _report(request, report.pk, status.HTTP_201_CREATED)


class ReportDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="council_reports_retrieve",
        tags=TAGS,
        description="A published report, or a draft for its council's members.",
        responses={200: ReportOutput, **errors(401, 404)},
    )
    def get(self, request, pk: int):
        return _report(request, pk)


class ReportRefreshView(APIView):
    @extend_schema(
        operation_id="council_reports_refresh",
        tags=TAGS,
        description=(
            "Recompute a draft's metrics now. A published report is frozen: 409 `report_published`. If the "
            "figures cannot be computed: 500 `report_metrics_failed`, and the draft keeps its last figures."
        ),
        request=None,
        responses={200: ReportOutput, **errors(401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        report = selectors.report_get(user=request.user, report_id=pk)
        services.report_refresh(actor=request.user, report_id=report.pk)
        return _report(request, pk)


class ReportPublishView(APIView):
    @extend_schema(
        operation_id="council_reports_publish",
        tags=TAGS,
        description=(
            "Publish with the council's commentary: the metrics are computed one last time and frozen, the "
            "report becomes public, and subscribers and members are told. Again: 409 `report_published`. "
            "Only once the period has ended (from the day after `period_end`, Asia/Almaty): before, 409 "
            "`period_not_ended`."
        ),
        request=ReportPublishInput,
        responses={200: ReportOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        report = selectors.report_get(user=request.user, report_id=pk)
        data = valid_input(ReportPublishInput, request.data)
        services.report_publish(actor=request.user, report_id=report.pk, commentary=data["commentary"])
        return _report(request, pk)


class ReportExportView(APIView):
    permission_classes = [permissions.AllowAny]

    def perform_content_negotiation(self, request, force=False):
        # The body is CSV whatever the Accept header; errors still leave as JSON.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        operation_id="council_reports_export",
        tags=TAGS,
        description=(
            "One table of the report as CSV (UTF-8 with a byte-order mark, comma-separated, a header row). "
            "`table` is required; without it, or with an unknown name, the 400 lists the table names: "
            + ", ".join(export.TABLES)
            + ". Rows of `by_authority_tier` with tier `all` total an authority; the last row totals all."
        ),
        parameters=[
            OpenApiParameter("table", OpenApiTypes.STR, required=True, enum=list(export.TABLES)),
        ],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR), **errors(400, 401, 404)},
    )
    def get(self, request, pk: int):
        report = selectors.report_get(user=request.user, report_id=pk)
        table = query_value(request.query_params, "table", choice(export.TABLES), required=True)
        return csv_reply(export.TABLES[table](report.metrics), f"report-{report.pk}-{table}.csv")


class GoalListCreateView(PublicReads, generics.ListAPIView):
    serializer_class = GoalOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.goal_list()
        return selectors.goal_list(council_id=_council_param(self.request))

    @extend_schema(
        operation_id="council_goals_list",
        tags=TAGS,
        description=(
            "Every council's goals (public) with their progress as of today; a metric measured over a "
            "period is measured from the goal's baseline date to today."
        ),
        parameters=[COUNCIL_FILTER],
        responses={200: GoalOutput, **errors(400, 401)},
    )
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(GoalOutput(selectors.goals_progress_today(page), many=True).data)

    @extend_schema(
        operation_id="council_goals_create",
        tags=TAGS,
        description="The council's chair or secretary: a SMART goal on one of the metrics (see `metric`).",
        parameters=[IDEMPOTENCY_KEY],
        request=GoalCreateInput,
        responses={201: GoalOutput, **errors(400, 401, 403, 409)},
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        data = valid_input(GoalCreateInput, request.data)
        council = selectors.council_for_write(council_id=data["council"])
        goal = services.goal_create(
            actor=request.user,
            council=council,
            title=data["title"],
            metric=data["metric"],
            filters=data.get("filter"),
            baseline=data["baseline"],
            baseline_date=data["baseline_date"],
            target=data["target"],
            deadline=data["deadline"],
            unit=data["unit"],
            description=data["description"],
        )
        goal = selectors.goal_get(goal_id=goal.pk)
        return Response(
            GoalOutput(selectors.goals_progress_today([goal])[0]).data, status=status.HTTP_201_CREATED
        )


class GoalMeasurementCreateView(APIView):
    @extend_schema(
        operation_id="council_goals_measurements_create",
        tags=TAGS,
        description=(
            "The council's chair or secretary: a value of a reported metric (one per goal and day). A goal "
            "on a computed metric takes none: 400 `goal_metric_computed`."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=MeasurementInput,
        responses={201: MeasurementOutput, **errors(400, 401, 403, 404, 409)},
    )
    @idempotent
    def post(self, request, pk: int):
        goal = selectors.goal_get(goal_id=pk)
        data = valid_input(MeasurementInput, request.data)
        measurement = services.goal_measurement_record(
            actor=request.user,
            goal_id=goal.pk,
            measured_on=data["measured_on"],
            value=data["value"],
            source=data["source"],
        )
        return Response(MeasurementOutput(measurement).data, status=status.HTTP_201_CREATED)
