"""Factories for the permit side. States that a service produces are built through the service
(`submitted_application`), so tests never hand-assemble a status the workflow could not reach."""

from __future__ import annotations

import io
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from permits.models import (
    Application,
    DocumentRequirement,
    LegalAct,
    LicenceKind,
    LicenceType,
    LicenceTypeQuestion,
    Question,
    QuestionType,
    RiskRuleSet,
    RuleSetStatus,
    Tier,
)
from tests.factories import ActivityCategoryFactory, AuthorityFactory, BusinessFactory, UserFactory

PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def base_reason(licence_type: LicenceType) -> str:
    """The first of every application's risk reasons: the tier its licence type has in law."""
    law = ", ".join(filter(None, [licence_type.legal_basis.title, licence_type.legal_articles]))
    return f"{licence_type.name} is a {licence_type.kind} under {law}, so its risk tier is {licence_type.base_tier} at least."


def pdf_upload(name: str = "certificate.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def pdf_file(name: str = "certificate.pdf", content: bytes = PDF_BYTES) -> io.BytesIO:
    """A file object for APIClient multipart posts."""
    handle = io.BytesIO(content)
    handle.name = name
    return handle


class LegalActFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalAct
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"law-{n}")
    title = factory.LazyAttribute(lambda a: f"Law {a.code}")
    reference = factory.Sequence(lambda n: f"No. {n}-V of 1 January 2020")


class DocumentRequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentRequirement
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"doc-{n}")
    name = factory.LazyAttribute(lambda r: r.code.replace("-", " ").title())


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"question_{n}")
    label = factory.LazyAttribute(lambda q: q.key.replace("_", " ").capitalize() + "?")
    type = QuestionType.BOOLEAN

    class Params:
        integer = factory.Trait(type=QuestionType.INTEGER)
        choice = factory.Trait(type=QuestionType.CHOICE, choices=["indoor", "outdoor", "mixed"])


class LicenceTypeFactory(factory.django.DjangoModelFactory):
    """A licence type; pass `documents=[...]`, `asks=[(question, required), ...]`, `activities=[...]`."""

    class Meta:
        model = LicenceType
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"licence-type-{n}")
    name = factory.LazyAttribute(lambda lt: lt.code.replace("-", " ").title())
    authority = factory.SubFactory(AuthorityFactory)
    legal_basis = factory.SubFactory(LegalActFactory)
    kind = LicenceKind.PERMIT
    base_tier = Tier.MEDIUM
    fee = Decimal("4325.00")
    validity_months = 12

    class Params:
        low = factory.Trait(kind=LicenceKind.NOTIFICATION, base_tier=Tier.LOW, fee=Decimal("0"))
        high = factory.Trait(kind=LicenceKind.LICENCE, base_tier=Tier.HIGH, validity_months=None)

    @factory.post_generation
    def documents(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.required_documents.set(extracted)

    @factory.post_generation
    def activities(obj, create, extracted, **kwargs):
        if create:
            obj.activities.set(extracted if extracted is not None else [ActivityCategoryFactory()])

    @factory.post_generation
    def asks(obj, create, extracted, **kwargs):
        if create and extracted:
            for position, (question, required) in enumerate(extracted):
                LicenceTypeQuestion.objects.create(
                    licence_type=obj, question=question, required=required, position=position
                )


class RiskRuleSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskRuleSet
        django_get_or_create = ("version",)

    version = factory.Sequence(lambda n: n + 1)
    status = RuleSetStatus.DRAFT


class DraftApplicationFactory(factory.django.DjangoModelFactory):
    """A draft (the only state a factory may build directly; later states go through services)."""

    class Meta:
        model = Application

    reference = factory.Sequence(lambda n: f"APP-2026-{900000 + n:06d}")
    business = factory.SubFactory(BusinessFactory)
    licence_type = factory.SubFactory(LicenceTypeFactory)
    authority = factory.LazyAttribute(lambda a: a.licence_type.authority)
    created_by = factory.SubFactory(UserFactory)
    answers = factory.LazyFunction(dict)
