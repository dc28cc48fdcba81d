"""A test-only URLconf: the portal's URLs plus an API view that fails, to see the JSON 500."""

from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from portal.urls import urlpatterns as portal_urlpatterns


@api_view(["GET"])
@permission_classes([AllowAny])
def boom(request):
    raise RuntimeError("unexpected failure inside a view")


urlpatterns = [path("api/v1/test-boom/", boom), *portal_urlpatterns]
handler500 = "portal.api.views.server_error"
