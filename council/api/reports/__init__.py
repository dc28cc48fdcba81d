"""Accountability reports and goals, under /api/v1/council/."""

from django.urls import path

from council.api.reports import views

urlpatterns = [
    path("council/reports/", views.ReportListCreateView.as_view(), name="council-reports"),
    path("council/reports/<int:pk>/", views.ReportDetailView.as_view(), name="council-report-detail"),
    path(
        "council/reports/<int:pk>/refresh/", views.ReportRefreshView.as_view(), name="council-report-refresh"
    ),
    path(
        "council/reports/<int:pk>/publish/", views.ReportPublishView.as_view(), name="council-report-publish"
    ),
    path(
        "council/reports/<int:pk>/export.csv", views.ReportExportView.as_view(), name="council-report-export"
    ),
    path("council/goals/", views.GoalListCreateView.as_view(), name="council-goals"),
    path(
        "council/goals/<int:pk>/measurements/",
        views.GoalMeasurementCreateView.as_view(),
        name="council-goal-measurements",
    ),
]
