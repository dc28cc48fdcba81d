"""The API's documentation pages, under the portal's Content-Security-Policy.

drf-spectacular's own templates run an inline script (the Swagger UI and Redoc start-up) and an inline
stylesheet; the portal's copies give both this response's nonce instead of loosening the policy. What
each viewer needs besides is allowed on its own page only.
"""

from __future__ import annotations

from csp.constants import SELF
from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

# Swagger UI's stylesheet draws its icons from data: URLs.
SWAGGER_CSP = {"img-src": [SELF, "data:"]}
# Redoc runs its search index in a worker built from a blob: URL. Two stylesheets of its bundle are
# written before the nonce reaches it (an empty one, then the scrollbars'), so they are allowed by hash;
# a newer drf-spectacular-sidecar may change the second, which only unstyles the scrollbars.
REDOC_CSP = {
    "img-src": [SELF, "data:"],
    "worker-src": [SELF, "blob:"],
    "style-src": [
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
        "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
    ],
}

swagger_view = csp_update(SWAGGER_CSP)(
    SpectacularSwaggerView.as_view(url_name="schema", template_name="portal/api/swagger_ui.html")
)
redoc_view = csp_update(REDOC_CSP)(
    SpectacularRedocView.as_view(url_name="schema", template_name="portal/api/redoc.html")
)
