from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from portal.api.docs import redoc_view, swagger_view
from portal.api.views import api_not_found, server_error
from portal.health.views import HealthView

api_v1 = [
    path("", include("portal.accounts.api.urls")),
    path("", include("permits.api.urls")),
    path("", include("portal.notifications.api.urls")),
    path("", include("council.api.urls")),
]

urlpatterns = [
    path("healthz", HealthView.as_view(), name="healthz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", swagger_view, name="docs"),
    path("api/redoc/", redoc_view, name="redoc"),
    # Anything else under /api/ is a JSON 404, with DEBUG on or off.
    re_path(r"^api/", api_not_found),
    path("admin/", admin.site.urls),
    # Public, human-readable pages of the council (published accountability reports).
    path("council/", include("council.web.urls")),
]

handler500 = server_error
