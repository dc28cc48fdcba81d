"""JSON answers for what no API view handles: unknown paths, and the 500 handler."""

from django.views.decorators.csrf import csrf_exempt
from django.views.defaults import server_error as html_server_error

from portal.api.errors import ErrorCode
from portal.api.middleware import is_api_request, json_error


@csrf_exempt  # a POST to no endpoint is a JSON 404, not the CSRF middleware's HTML 403
def api_not_found(request, *args, **kwargs):
    return json_error(ErrorCode.NOT_FOUND, 404, f"No API endpoint at {request.path}.")


def server_error(request, *args, **kwargs):
    if is_api_request(request):
        return json_error(ErrorCode.SERVER_ERROR, 500)
    return html_server_error(request, *args, **kwargs)
