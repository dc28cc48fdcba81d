"""Permission mixins shared by the API views of more than one app."""

from __future__ import annotations

from rest_framework import permissions


class PublicReads:
    """GET is open to everyone (the selectors scope it); any other method needs a signed-in caller."""

    def get_permissions(self):
        if self.request is not None and self.request.method in permissions.SAFE_METHODS:
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]
