from django.urls import path

from permits.api.views import applications, bundles, catalogue, permits, review

urlpatterns = [
    path("catalogue/activities/", catalogue.ActivityListView.as_view(), name="catalogue-activities"),
    path("catalogue/licence-types/", catalogue.LicenceTypeListView.as_view(), name="catalogue-licence-types"),
    path("catalogue/finder/", catalogue.FinderView.as_view(), name="catalogue-finder"),
    path("catalogue/calendar/", catalogue.CalendarView.as_view(), name="catalogue-calendar"),
    path("applications/", applications.ApplicationListCreateView.as_view(), name="applications"),
    path("applications/<int:pk>/", applications.ApplicationDetailView.as_view(), name="application-detail"),
    path(
        "applications/<int:pk>/submit/",
        applications.ApplicationSubmitView.as_view(),
        name="application-submit",
    ),
    path(
        "applications/<int:pk>/withdraw/",
        applications.ApplicationWithdrawView.as_view(),
        name="application-withdraw",
    ),
    path(
        "applications/<int:pk>/documents/",
        applications.ApplicationDocumentsView.as_view(),
        name="application-documents",
    ),
    path(
        "applications/<int:pk>/documents/<int:document_id>/file/",
        applications.ApplicationDocumentFileView.as_view(),
        name="application-document-file",
    ),
    path(
        "applications/<int:pk>/messages/",
        applications.ApplicationMessagesView.as_view(),
        name="application-messages",
    ),
    path("applications/<int:pk>/resubmit/", review.ResubmitView.as_view(), name="application-resubmit"),
    path("applications/<int:pk>/decide/", review.DecideView.as_view(), name="application-decide"),
    path(
        "applications/<int:pk>/request-info/",
        review.RequestInfoView.as_view(),
        name="application-request-info",
    ),
    path("applications/<int:pk>/claim/", review.ClaimView.as_view(), name="application-claim"),
    path("applications/<int:pk>/reassign/", review.ReassignView.as_view(), name="application-reassign"),
    path("applications/<int:pk>/notes/", review.NotesView.as_view(), name="application-notes"),
    path("review/queue/", review.ReviewQueueView.as_view(), name="review-queue"),
    path("review/conflicts/", review.ConflictsView.as_view(), name="review-conflicts"),
    path("bundles/", bundles.BundleCreateView.as_view(), name="bundles"),
    path("bundles/<int:pk>/", bundles.BundleDetailView.as_view(), name="bundle-detail"),
    path("bundles/<int:pk>/submit/", bundles.BundleSubmitView.as_view(), name="bundle-submit"),
    path("bundles/<int:pk>/documents/", bundles.BundleDocumentsView.as_view(), name="bundle-documents"),
    path("permits/", permits.PermitListView.as_view(), name="permits"),
    path("permits/<str:number>/suspend/", permits.PermitSuspendView.as_view(), name="permit-suspend"),
    path("permits/<str:number>/reinstate/", permits.PermitReinstateView.as_view(), name="permit-reinstate"),
    path("permits/<str:number>/revoke/", permits.PermitRevokeView.as_view(), name="permit-revoke"),
    path("permits/<str:number>/check/", permits.PermitCheckView.as_view(), name="permit-check"),
    path("public/permits/<str:number>/", permits.PublicPermitView.as_view(), name="public-permit"),
]
