"""Every endpoint of the council side, under /api/v1/council/."""

from council.api import concerns, consultations, councils, reports

urlpatterns = [
    *councils.urlpatterns,
    *consultations.urlpatterns,
    *concerns.urlpatterns,
    *reports.urlpatterns,
]
