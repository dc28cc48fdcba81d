"""factory_boy factories for the whole suite. Each writes through the same models the services use."""

from __future__ import annotations

import datetime

import factory

from council.models import Council, CouncilMember, CouncilRole, CouncilScope, HelixSector
from permits.models import ActivityCategory
from portal.accounts.models import (
    ApiClient,
    Authority,
    Business,
    BusinessKind,
    Clearance,
    Jurisdiction,
    Membership,
    MembershipRole,
    OfficialProfile,
    User,
)
from portal.accounts.validators import bin_check_digit

PASSWORD = "correct-horse-battery"


def valid_bin(n: int) -> str:
    """The n-th valid BIN of a deterministic sequence (skipping prefixes that admit no control digit)."""
    base = 210340000000 // 10 + n
    while True:
        prefix = f"{base:011d}"
        digit = bin_check_digit(prefix)
        if digit is not None:
            return prefix + str(digit)
        base += 100_000


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.kz")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ActivityCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"activity-{n}")
    name = factory.LazyAttribute(lambda a: a.code.replace("-", " ").title())


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business

    name = factory.Sequence(lambda n: f"Creative Studio {n}")
    bin = factory.Sequence(valid_bin)
    kind = BusinessKind.COMPANY
    city = "Almaty"

    class Params:
        individual = factory.Trait(kind=BusinessKind.INDIVIDUAL_ENTREPRENEUR)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    business = factory.SubFactory(BusinessFactory)
    role = MembershipRole.OWNER


class EntrepreneurFactory(UserFactory):
    """A user who owns one business."""

    membership = factory.RelatedFactory(MembershipFactory, factory_related_name="user")


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"auth{n}")
    name = factory.LazyAttribute(lambda a: f"Authority {a.code}")
    jurisdiction = Jurisdiction.NATIONAL


class OfficialProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficialProfile

    user = factory.SubFactory(UserFactory)
    authority = factory.SubFactory(AuthorityFactory)
    clearance = Clearance.MEDIUM
    is_supervisor = False

    class Params:
        low = factory.Trait(clearance=Clearance.LOW)
        high = factory.Trait(clearance=Clearance.HIGH)
        supervisor = factory.Trait(clearance=Clearance.HIGH, is_supervisor=True)


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Council {n}")
    scope = CouncilScope.NATIONAL


class CouncilMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouncilMember

    council = factory.SubFactory(CouncilFactory)
    user = factory.SubFactory(UserFactory)
    sector = HelixSector.ACADEMIA
    role = CouncilRole.MEMBER
    active_from = datetime.date(2026, 1, 1)


class ApiClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiClient

    name = factory.Sequence(lambda n: f"Integration {n}")
    user = factory.SubFactory(UserFactory)
