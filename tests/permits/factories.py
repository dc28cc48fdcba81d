"""Factories for the permit side, and the two journeys every review test needs (`submit`, `decide`).

An application's states are traits of `ApplicationFactory` reached through the services (submit,
claim, request information, decide, withdraw), so a test never hand-assembles a status the workflow
could not reach."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from decimal import Decimal

import factory
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from permits.models import (
    Application,
    ApplicationStatus,
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
from permits.services.applications import application_submit, application_withdraw
from permits.services.review import application_claim, application_decide, application_request_info
from portal.accounts.models import Business, Clearance, User
from tests.factories import (
    ActivityCategoryFactory,
    AuthorityFactory,
    BusinessFactory,
    EntrepreneurFactory,
    MembershipFactory,
    OfficialProfileFactory,
)

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


def _applicant_of(business):
    """The business's first member, or a new owner: the applicant is always someone who may submit."""
    member = business.memberships.select_related("user").order_by("pk").first()
    return member.user if member else MembershipFactory(business=business).user


def _to(state: str) -> factory.PostGeneration:
    """The post-generation hook of a state trait: take the draft to `state` through the services."""

    def walk(application: Application, create: bool, extracted, **kwargs) -> None:
        if create:
            reach(application, state, **kwargs)

    return factory.PostGeneration(walk)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application; a draft unless a trait names a later state.

    Every later state is reached by the services themselves (`reach` below), so a test never holds a
    status the workflow could not have produced: `ApplicationFactory(approved=True)` is submitted,
    assigned, reviewed and approved, and has its permit. Pass `journey__official=...` to choose who
    claims the file when nobody could be assigned (a new eligible official otherwise).
    """

    class Meta:
        model = Application
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"APP-2026-{900000 + n:06d}")
    business = factory.SubFactory(BusinessFactory)
    licence_type = factory.SubFactory(LicenceTypeFactory)
    authority = factory.LazyAttribute(lambda a: a.licence_type.authority)
    created_by = factory.LazyAttribute(lambda a: _applicant_of(a.business))
    answers = factory.LazyFunction(dict)

    class Params:
        submitted = factory.Trait(journey=_to(ApplicationStatus.SUBMITTED))
        in_review = factory.Trait(journey=_to(ApplicationStatus.IN_REVIEW))
        info_requested = factory.Trait(journey=_to(ApplicationStatus.INFO_REQUESTED))
        second_review = factory.Trait(
            licence_type=factory.SubFactory(LicenceTypeFactory, high=True),
            journey=_to(ApplicationStatus.SECOND_REVIEW),
        )
        approved = factory.Trait(journey=_to(ApplicationStatus.APPROVED))
        rejected = factory.Trait(journey=_to(ApplicationStatus.REJECTED))
        withdrawn = factory.Trait(journey=_to(ApplicationStatus.WITHDRAWN))


class DraftApplicationFactory(ApplicationFactory):
    """A draft: `ApplicationFactory` without a state trait, under the name the suite has always used."""


def official_for(application: Application, *, stage_high: bool = False) -> User:
    """An eligible official of the application's authority (cleared for its tier, or for high)."""
    high = stage_high or application.risk_tier == Tier.HIGH
    return OfficialProfileFactory(
        authority_id=application.authority_id, clearance=Clearance.HIGH if high else Clearance.MEDIUM
    ).user


def reach(application: Application, state: str, *, official: User | None = None, reason: str = "") -> None:
    """Take a draft to `state` the way the portal does, refreshing `application` in place.

    `submitted` needs an authority with nobody eligible (otherwise the file goes to review at once);
    `second_review` needs a high-tier file; `approved` on a low tier is the notification's own path.
    """
    S = ApplicationStatus
    applicant = application.created_by
    if state == S.WITHDRAWN:
        application_withdraw(actor=applicant, application_id=application.pk, reason=reason)
        application.refresh_from_db()
        return
    application_submit(actor=applicant, application_id=application.pk)
    application.refresh_from_db()
    if application.status == S.SUBMITTED and state != S.SUBMITTED:
        # Nobody could be assigned: the chosen (or a new) official claims it, as the queue would.
        official = official or official_for(application)
        application_claim(actor=official, application_id=application.pk)
        application.refresh_from_db()
    if state in (S.SUBMITTED, S.IN_REVIEW) or application.status == state:
        _expect(application, state)
        return
    reviewer = application.assigned_to
    if state == S.INFO_REQUESTED:
        application_request_info(
            actor=reviewer, application_id=application.pk, message=reason or "Send the venue's floor plan."
        )
    elif state == S.REJECTED:
        decide(application, reviewer, "reject", reason=reason or "The premises do not meet the rules.")
    else:
        decide(application, reviewer, "approve", reason=reason or "Premises and staff fit.")
        if state == S.APPROVED and application.status == S.SECOND_REVIEW:
            second = application.assigned_to or official_for(application, stage_high=True)
            if application.assigned_to is None:
                application_claim(actor=second, application_id=application.pk)
            decide(application, second, "approve", reason=reason or "Agreed.")
    application.refresh_from_db()
    _expect(application, state)


def _expect(application: Application, state: str) -> None:
    if application.status != state:
        raise ValueError(
            f"{application.reference} reached {application.status}, not {state}: the world the test built "
            "sends it elsewhere (an eligible official assigns a submitted file; a low tier is approved at once)."
        )


def submit(
    licence_type: LicenceType | None = None,
    owner: User | None = None,
    *,
    business: Business | None = None,
    answers: dict | None = None,
    at: dt.datetime | None = None,
    clock=None,
    step: dt.timedelta = dt.timedelta(minutes=1),
    **fields,
) -> Application:
    """A draft submitted by its applicant through the service; the application as it then stands.

    `owner` submits (a new entrepreneur if neither `owner` nor `business` is given; otherwise the
    business's first member). `at` submits at that moment; `clock` (a time-machine traveller) is
    moved `step` forward first, so files submitted one after another have a clear age order.
    """
    if business is None:
        owner = owner or EntrepreneurFactory()
        business = owner.memberships.get().business
    owner = owner or _applicant_of(business)
    if licence_type is not None:
        fields["licence_type"] = licence_type
    draft = DraftApplicationFactory(business=business, created_by=owner, answers=answers or {}, **fields)
    if clock is not None:
        clock.shift(step)
    with time_machine.travel(at, tick=False) if at is not None else contextlib.nullcontext():
        application_submit(actor=owner, application_id=draft.pk)
    return Application.objects.select_related("assigned_to", "business", "licence_type").get(pk=draft.pk)


def decide(
    application: Application,
    official: User | None = None,
    decision: str = "approve",
    *,
    reason: str | None = None,
    legal_basis: str | None = None,
    **extra,
) -> Application:
    """The assigned official (or `official`) decides through the service; a rejection cites a law
    (a new legal act unless `legal_basis` or `requirement` is given)."""
    if decision == "reject" and legal_basis is None and "requirement" not in extra:
        legal_basis = LegalActFactory().code
    result = application_decide(
        actor=official or application.assigned_to,
        application_id=application.pk,
        decision=decision,
        reason=reason or ("Premises and staff fit." if decision == "approve" else "The premises do not fit."),
        legal_basis=legal_basis,
        **extra,
    )
    application.refresh_from_db()
    return result
