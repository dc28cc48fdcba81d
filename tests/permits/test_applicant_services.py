"""The applicant's write services check who acts, not only the API in front of them.

An admin action or a task that calls a service with someone's id gets the answers the API gives: a
file the actor cannot see is a 404; one they see (an official of its authority, once it is submitted)
but do not hold is a 403 `not_the_applicant`. Refused, nothing is written: no audit event, no message,
no document, no change of status or version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine

from permits.models import Application, ApplicationDocument, ApplicationStatus, Bundle, Document, Message
from permits.services.applications import (
    application_create,
    application_submit,
    application_update,
    application_withdraw,
    message_post,
)
from permits.services.bundles import bundle_create, bundle_submit
from permits.services.documents import application_document_attach, bundle_document_attach
from permits.services.review import application_resubmit
from portal.api.errors import Forbidden, NotFound
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.factories import EntrepreneurFactory, OfficialProfileFactory
from tests.permits.factories import (
    ApplicationFactory,
    DocumentRequirementFactory,
    DraftApplicationFactory,
    LicenceTypeFactory,
    pdf_upload,
    reach,
)

pytestmark = pytest.mark.django_db

S = ApplicationStatus
NOW = dt.datetime(2026, 11, 2, 10, tzinfo=ZoneInfo("Asia/Almaty"))


@dataclass
class World:
    owner: object
    business: object
    stranger: object
    official: object
    draft: Application
    info_requested: Application
    submitted: Application
    bundle: Bundle
    requirement: object


def build() -> World:
    owner = EntrepreneurFactory()
    business = owner.memberships.get().business
    requirement = DocumentRequirementFactory()
    licence_type = LicenceTypeFactory(documents=[requirement])
    plain = LicenceTypeFactory(authority=licence_type.authority)
    # An eligible official of the authority, so a submitted file goes to review at once.
    official = OfficialProfileFactory(authority=licence_type.authority).user
    draft = DraftApplicationFactory(business=business, licence_type=licence_type, created_by=owner)
    application_document_attach(
        actor=owner, application_id=draft.pk, requirement_code=requirement.code, upload=pdf_upload()
    )
    info_requested = DraftApplicationFactory(business=business, licence_type=licence_type, created_by=owner)
    application_document_attach(
        actor=owner, application_id=info_requested.pk, requirement_code=requirement.code, upload=pdf_upload()
    )
    reach(info_requested, S.INFO_REQUESTED)
    submitted = ApplicationFactory(business=business, licence_type=plain, created_by=owner, in_review=True)
    bundle = bundle_create(actor=owner, business=business, licence_type_codes=[licence_type.code], answers={})
    bundle_document_attach(actor=owner, bundle=bundle, requirement_code=requirement.code, upload=pdf_upload())
    return World(
        owner=owner,
        business=business,
        stranger=EntrepreneurFactory(),
        official=official,
        draft=draft,
        info_requested=info_requested,
        submitted=submitted,
        bundle=bundle,
        requirement=requirement,
    )


# Each applicant service: how it is called on the world by `actor`, and the file it aims at.
CALLS: dict[str, tuple[Callable[[World, object], object], str]] = {
    "application_create": (
        lambda w, actor: application_create(
            actor=actor, business=w.business, licence_type=w.draft.licence_type, answers={}
        ),
        "draft",
    ),
    "application_update": (
        lambda w, actor: application_update(actor=actor, application_id=w.draft.pk, answers={}),
        "draft",
    ),
    "application_submit": (
        lambda w, actor: application_submit(actor=actor, application_id=w.draft.pk),
        "draft",
    ),
    "application_document_attach (draft)": (
        lambda w, actor: application_document_attach(
            actor=actor, application_id=w.draft.pk, requirement_code=w.requirement.code, upload=pdf_upload()
        ),
        "draft",
    ),
    "application_document_attach (information requested)": (
        lambda w, actor: application_document_attach(
            actor=actor,
            application_id=w.info_requested.pk,
            requirement_code=w.requirement.code,
            upload=pdf_upload(),
        ),
        "info_requested",
    ),
    "application_resubmit": (
        lambda w, actor: application_resubmit(
            actor=actor, application_id=w.info_requested.pk, message="Here it is."
        ),
        "info_requested",
    ),
    "application_withdraw": (
        lambda w, actor: application_withdraw(actor=actor, application_id=w.submitted.pk, reason="No."),
        "submitted",
    ),
    "message_post": (
        lambda w, actor: message_post(actor=actor, application_id=w.submitted.pk, body="Hello."),
        "submitted",
    ),
    "bundle_create": (
        lambda w, actor: bundle_create(
            actor=actor, business=w.business, licence_type_codes=[w.draft.licence_type.code], answers={}
        ),
        "draft",
    ),
    "bundle_submit": (lambda w, actor: bundle_submit(actor=actor, bundle=w.bundle), "draft"),
    "bundle_document_attach": (
        lambda w, actor: bundle_document_attach(
            actor=actor, bundle=w.bundle, requirement_code=w.requirement.code, upload=pdf_upload()
        ),
        "draft",
    ),
}


def snapshot() -> dict:
    """Everything a refused write could have touched."""
    return {
        "applications": sorted(
            Application.objects.values_list("pk", "status", "version", "answers", "updated_at")
        ),
        "bundles": sorted(Bundle.objects.values_list("pk", "submitted_at")),
        "audit": AuditEvent.objects.count(),
        "messages": Message.objects.count(),
        "documents": Document.objects.count(),
        "links": sorted(ApplicationDocument.objects.values_list("pk", "document_id")),
        "notifications": Notification.objects.count(),
    }


def expected_refusal(who: str, target: str) -> tuple[type, str]:
    """A stranger sees nothing; an official sees the authority's submitted files but no draft, bundle or
    business of an applicant's."""
    if who == "official" and target in ("info_requested", "submitted"):
        return Forbidden, "not_the_applicant"
    return NotFound, "not_found"


@pytest.mark.parametrize("who", ["stranger", "official"])
@pytest.mark.parametrize("service", list(CALLS))
@time_machine.travel(NOW, tick=False)
def test_an_applicant_service_refuses_whoever_may_not_act_as_the_applicant(service, who):
    # given: the owner's files in every state an applicant acts in, a stranger, an official of the authority
    w = build()
    call, target = CALLS[service]
    actor = getattr(w, who)
    before = snapshot()
    error, code = expected_refusal(who, target)

    # when: the service is called directly, as an admin action or a task would
    with pytest.raises(error) as refused:
        call(w, actor)

    # then: the API's answer, and nothing written
    assert refused.value.code == code
    assert snapshot() == before


@pytest.mark.parametrize("service", list(CALLS))
@time_machine.travel(NOW, tick=False)
def test_the_owner_still_acts_through_each_applicant_service(service):
    # given
    w = build()
    call, _ = CALLS[service]
    audit = AuditEvent.objects.count()

    # when
    call(w, w.owner)

    # then: the write happened, and left its trail
    assert AuditEvent.objects.count() > audit
