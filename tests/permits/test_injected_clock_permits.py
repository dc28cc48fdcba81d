"""A permit issued, its post-issue check and a document's upload follow the `now` they are given
(permits/services/permits.py, documents.py), as submission and decision do: the demo history replays
months of work on its own clock through these services. The wall clock stands far from every moment
passed, so a service that read it would fail."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings

from permits.calendar import add_working_days
from permits.models import (
    Application,
    ApplicationDocument,
    Permit,
    PostCheckStatus,
    Review,
    ReviewOutcome,
    ReviewStage,
)
from permits.services.applications import application_submit
from permits.services.documents import application_document_attach
from permits.services.permits import add_months, permit_post_check
from permits.services.review import application_decide
from tests.factories import AuthorityFactory, EntrepreneurFactory, OfficialProfileFactory
from tests.permits.factories import (
    DocumentRequirementFactory,
    DraftApplicationFactory,
    LicenceTypeFactory,
    pdf_upload,
)

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
MONDAY = dt.datetime(2026, 11, 2, 10, tzinfo=ALMATY)  # no public holiday in November 2026
WALL = dt.datetime(2027, 3, 1, 10, tzinfo=ALMATY)


def _draft(licence_type):
    owner = EntrepreneurFactory()
    draft = DraftApplicationFactory(
        business=owner.memberships.get().business, licence_type=licence_type, created_by=owner
    )
    return owner, draft


@time_machine.travel(WALL, tick=False)
@override_settings(PORTAL_POST_CHECK_SHARE=1.0)
def test_a_notification_issued_and_checked_on_a_given_clock_takes_its_dates_from_it():
    # given: a low-tier notification with one required document, and an official of its authority
    authority = AuthorityFactory()
    official = OfficialProfileFactory(authority=authority).user
    requirement = DocumentRequirementFactory()
    licence_type = LicenceTypeFactory(authority=authority, low=True, documents=[requirement])
    owner, draft = _draft(licence_type)
    drafted = MONDAY - dt.timedelta(hours=1)

    # when: the document is attached, the notification submitted (so issued) and checked, each at `now`
    document = application_document_attach(
        actor=owner,
        application_id=draft.pk,
        requirement_code=requirement.code,
        upload=pdf_upload(),
        now=drafted,
    )
    application_submit(actor=owner, application_id=draft.pk, now=MONDAY)
    permit = Permit.objects.get(application_id=draft.pk)
    pending_look = Application.objects.get(pk=draft.pk).next_sla_at
    checked_at = MONDAY + dt.timedelta(days=3)
    permit_post_check(
        actor=official,
        number=permit.number,
        outcome=ReviewOutcome.PASSED,
        reason="Premises match.",
        now=checked_at,
    )

    # then: the upload, the permit, its validity, its check's deadline and the check's record follow `now`
    assert document.created_at == drafted
    assert ApplicationDocument.objects.get(application_id=draft.pk).attached_at == drafted
    assert permit.issued_at == MONDAY
    assert permit.valid_until == add_months(MONDAY.date(), licence_type.validity_months)
    assert permit.post_check_status == PostCheckStatus.PENDING
    assert permit.post_check_due_at == add_working_days(MONDAY, 10)
    assert pending_look == permit.post_check_due_at
    assert Review.objects.get(application_id=draft.pk, stage=ReviewStage.POST_CHECK).created_at == checked_at


@time_machine.travel(WALL, tick=False)
def test_a_permit_approved_on_a_given_clock_is_issued_at_that_moment():
    # given: a medium file in review with its official
    authority = AuthorityFactory()
    official = OfficialProfileFactory(authority=authority).user
    licence_type = LicenceTypeFactory(authority=authority)
    owner, draft = _draft(licence_type)
    application_submit(actor=owner, application_id=draft.pk, now=MONDAY)
    decided = MONDAY + dt.timedelta(days=2)

    # when
    application_decide(
        actor=official, application_id=draft.pk, decision="approve", reason="Fine.", now=decided
    )

    # then
    permit = Permit.objects.get(application_id=draft.pk)
    assert permit.issued_at == decided
    assert permit.valid_until == add_months(decided.date(), licence_type.validity_months)
    assert permit.next_sla_at == dt.datetime.combine(
        permit.valid_until - dt.timedelta(days=30), dt.time.min, tzinfo=ALMATY
    )
