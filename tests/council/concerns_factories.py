"""Factories for concerns. A concern's states are reached through the services (`raised`, `answered`),
so a test never holds a concern the workflow could not have produced; `ConcernFactory` writes open
rows directly (their initial state) where many are needed at once, and its `answered` trait answers
them through the service."""

from __future__ import annotations

import datetime as dt

import factory
import time_machine
from django.utils import timezone

from council.models import Concern, ConcernDisposition, CouncilRole, CouncilScope, HelixSector
from council.services.concerns import concern_raise, concern_respond
from tests.factories import CouncilFactory, CouncilMemberFactory, EntrepreneurFactory


class NationalCouncilFactory(CouncilFactory):
    name = factory.Sequence(lambda n: f"National Council {n}")
    scope = CouncilScope.NATIONAL


class CityCouncilFactory(CouncilFactory):
    name = factory.Sequence(lambda n: f"City Council {n}")
    scope = CouncilScope.CITY
    city = "Almaty"


class ChairFactory(CouncilMemberFactory):
    role = CouncilRole.CHAIR
    sector = HelixSector.GOVERNMENT


class SecretaryFactory(CouncilMemberFactory):
    role = CouncilRole.SECRETARY
    sector = HelixSector.BUSINESS


def answering(disposition: str = ConcernDisposition.ACCEPTED_FOR_REVIEW) -> factory.PostGeneration:
    """The `answered` trait's hook: a member of the concern's council answers it through the service,
    at `answer__at` (three days after it was raised unless given), with `disposition` (or
    `answer__disposition`)."""

    def answer(concern: Concern, create: bool, extracted, **kwargs) -> None:
        if not create:
            return
        at = kwargs.get("at") or concern.created_at + dt.timedelta(days=3)
        member = kwargs.get("member") or CouncilMemberFactory(council=concern.council).user
        with time_machine.travel(at, tick=False):
            concern_respond(
                actor=member,
                concern_id=concern.pk,
                disposition=kwargs.get("disposition", disposition),
                response=kwargs.get(
                    "response", "The council takes this into its next review of the procedure."
                ),
            )
        concern.refresh_from_db()

    return factory.PostGeneration(answer)


class ConcernFactory(factory.django.DjangoModelFactory):
    """An open concern row, due in three weeks (a concern is created open: its initial state); the
    `answered` trait answers it through `concern_respond` (see `answering`)."""

    class Meta:
        model = Concern
        skip_postgeneration_save = True

    council = factory.SubFactory(NationalCouncilFactory)
    raised_by = factory.SubFactory(EntrepreneurFactory)
    business = factory.LazyAttribute(lambda c: c.raised_by.memberships.first().business)
    subject = factory.Sequence(lambda n: f"Concern {n}: the approval takes too long")
    body = "We waited six weeks for an answer the law promises in ten working days."
    created_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda c: c.created_at + dt.timedelta(days=21))

    class Params:
        answered = factory.Trait(answer=answering())


def raised(owner, **fields) -> Concern:
    """A concern raised by `owner` through the service (their only business, the national council)."""
    fields.setdefault("subject", "Sanitary approval for a café in a co-working hub takes too long")
    fields.setdefault("body", "The notification was filed in March; the inspection was never scheduled.")
    return concern_raise(actor=owner, **fields)


def answered(
    owner, member, *, disposition: str = ConcernDisposition.ACCEPTED_FOR_REVIEW, **fields
) -> Concern:
    concern = raised(owner, **fields)
    return concern_respond(
        actor=member,
        concern_id=concern.pk,
        disposition=disposition,
        response="The council will raise this with the authority at its next session.",
    )
