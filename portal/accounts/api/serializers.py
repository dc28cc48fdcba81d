"""Input and output shapes of the accounts endpoints: one serializer per operation and direction."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.accounts.models import Clearance
from portal.api.inputs import StrictCharField

ROLE_CHOICES = [
    ("entrepreneur", _("Entrepreneur")),
    ("official", _("Official")),
    ("supervisor", _("Supervisor")),
    ("oversight", _("National oversight")),
    ("council_member", _("Council member")),
    ("api_client", _("API client")),
    ("admin", _("Administrator")),
]


class TokenInput(serializers.Serializer):
    username = StrictCharField()
    password = StrictCharField(trim_whitespace=False, style={"input_type": "password"})


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expires_at = serializers.DateTimeField()


class BusinessRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    bin = serializers.CharField()


class AuthorityRefOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=ROLE_CHOICES))
    businesses = serializers.SerializerMethodField()
    authority = serializers.SerializerMethodField()
    clearance = serializers.SerializerMethodField()
    is_supervisor = serializers.SerializerMethodField()

    @extend_schema_field(BusinessRefOutput(many=True))
    def get_businesses(self, caller) -> list[dict]:
        return BusinessRefOutput(caller.businesses, many=True).data

    @extend_schema_field(AuthorityRefOutput(allow_null=True))
    def get_authority(self, caller) -> dict | None:
        official = caller.official
        return AuthorityRefOutput(official.authority).data if official else None

    @extend_schema_field(serializers.ChoiceField(choices=Clearance.choices, allow_null=True))
    def get_clearance(self, caller) -> str | None:
        return caller.official.clearance if caller.official else None

    @extend_schema_field(serializers.BooleanField())
    def get_is_supervisor(self, caller) -> bool:
        return bool(caller.official and caller.official.is_supervisor)


class LogoutOutput(serializers.Serializer):
    revoked = serializers.IntegerField(help_text="How many tokens were revoked.")
