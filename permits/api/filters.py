"""Query filters of the permit lists (django-filter): a bad value is a 400 naming the parameter."""

import django_filters

from permits.models import Application, ApplicationStatus, LicenceKind, LicenceType


class LicenceTypeFilter(django_filters.FilterSet):
    activity = django_filters.CharFilter(
        field_name="activities__code", distinct=True, help_text="An activity code."
    )
    authority = django_filters.CharFilter(field_name="authority__code", help_text="An authority code.")
    kind = django_filters.ChoiceFilter(choices=LicenceKind.choices)

    class Meta:
        model = LicenceType
        fields = ["activity", "authority", "kind"]


class ApplicationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices)
    business = django_filters.NumberFilter(field_name="business_id")
    licence_type = django_filters.CharFilter(
        field_name="licence_type__code", help_text="A licence type code."
    )

    class Meta:
        model = Application
        fields = ["status", "business", "licence_type"]
