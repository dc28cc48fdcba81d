"""The API token: knox's `TokenAuthentication`, read from `Authorization: Token <key>` or, for
clients that only know the OAuth spelling, `Authorization: Bearer <key>`.

Only the prefix differs: the same hashed, expiring knox tokens, the same lookup and the same
refusals. Any other scheme is left to the next authenticator (the session).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from knox import auth as knox_auth
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

# The prefix of the WWW-Authenticate challenge, then the alias generated clients send by default.
BEARER = "Bearer"


class TokenAuthentication(knox_auth.TokenAuthentication):
    """`Token <key>` (knox's AUTH_HEADER_PREFIX) or `Bearer <key>`, case-insensitive."""

    def prefixes(self, request) -> set[bytes]:
        return {self.authenticate_header(request).lower().encode(), BEARER.lower().encode()}

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() not in self.prefixes(request):
            return None  # no header, or one for another backend
        if len(auth) == 1:
            raise exceptions.AuthenticationFailed(_("Invalid token header. No credentials provided."))
        if len(auth) > 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header. Token string should not contain spaces.")
            )
        return self.authenticate_credentials(auth[1])
