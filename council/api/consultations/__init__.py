"""Consultations, their text versions, comments and answers, the outcome, and following a council."""

from django.urls import path

from council.api.consultations import views

urlpatterns = [
    path("council/consultations/", views.ConsultationListCreateView.as_view(), name="council-consultations"),
    path(
        "council/consultations/<int:pk>/",
        views.ConsultationDetailView.as_view(),
        name="council-consultation-detail",
    ),
    path(
        "council/consultations/<int:pk>/open/",
        views.ConsultationOpenView.as_view(),
        name="council-consultation-open",
    ),
    path(
        "council/consultations/<int:pk>/close/",
        views.ConsultationCloseView.as_view(),
        name="council-consultation-close",
    ),
    path(
        "council/consultations/<int:pk>/publish-outcome/",
        views.PublishOutcomeView.as_view(),
        name="council-consultation-publish-outcome",
    ),
    path(
        "council/consultations/<int:pk>/versions/",
        views.VersionCreateView.as_view(),
        name="council-consultation-versions",
    ),
    path(
        "council/consultations/<int:pk>/versions/<int:number>/",
        views.VersionDetailView.as_view(),
        name="council-consultation-version-detail",
    ),
    path(
        "council/consultations/<int:pk>/comments/",
        views.CommentListCreateView.as_view(),
        name="council-consultation-comments",
    ),
    path(
        "council/consultations/<int:pk>/export.csv",
        views.ConsultationExportView.as_view(),
        name="council-consultation-export",
    ),
    path("council/comments/<int:pk>/", views.CommentDetailView.as_view(), name="council-comment-detail"),
    path(
        "council/comments/<int:pk>/respond/",
        views.CommentRespondView.as_view(),
        name="council-comment-respond",
    ),
    path(
        "council/councils/<int:pk>/subscription/",
        views.SubscriptionView.as_view(),
        name="council-council-subscription",
    ),
]
