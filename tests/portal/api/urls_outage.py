"""A test-only URLconf: the portal's URLs plus views that meet a database error, to see the 503."""

from django.db import InterfaceError, OperationalError
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from portal.urls import urlpatterns as portal_urlpatterns


@api_view(["GET"])
@permission_classes([AllowAny])
def api_view_without_database(request):
    raise OperationalError("connection failed: server closed the connection unexpectedly")


def page_without_database(request):
    raise InterfaceError("connection already closed")


class MiddlewareWithoutDatabase:
    """Stands for any middleware that reads the database (a session, request.user) during an outage."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.endswith("/middleware-outage/"):
            raise OperationalError("couldn't get a connection after 5.00 sec")
        return self.get_response(request)


urlpatterns = [
    path("api/v1/test-outage/", api_view_without_database),
    path("pages/test-outage/", page_without_database),
    *portal_urlpatterns,
]
