"""Query filters of the permit lists (django-filter): a bad value is a 400 naming the parameter; an
unknown code (catalogue data, an open set) matches nothing."""

import django_filters

from permits.models import Application, ApplicationStatus, LicenceKind, LicenceType
from portal.api.filters import ChoiceFilter, IdFilter


class LicenceTypeFilter(django_filters.FilterSet):
    activity = django_filters.CharFilter(
        field_name="activities__code",
        distinct=True,
        help_text="An activity code; an unknown one matches nothing.",
    )
    authority = django_filters.CharFilter(
        field_name="authority__code", help_text="An authority code; an unknown one matches nothing."
    )
    kind = ChoiceFilter(choices=LicenceKind.choices)

    class Meta:
        model = LicenceType
        fields = ["activity", "authority", "kind"]


class ApplicationFilter(django_filters.FilterSet):
    status = ChoiceFilter(choices=ApplicationStatus.choices)
    business = IdFilter(field_name="business_id", help_text="A business id.")
    licence_type = django_filters.CharFilter(
        field_name="licence_type__code", help_text="A licence type code; an unknown one matches nothing."
    )

    class Meta:
        model = Application
        fields = ["status", "business", "licence_type"]
