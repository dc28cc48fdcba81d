"""Deciding a file over real HTTP: a reasoned approval that issues the permit in the same
transaction, a rejection that names its basis, who may decide (and what the others get), stale
versions, four eyes on high-risk files, oldest-first order, and what the applicant then sees."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection

from permits.errors import PermitErrorCode
from permits.models import Application, ApplicationStatus, Permit, Review, ReviewOutcome, ReviewStage
from permits.services.review import application_decide, application_request_info
from portal.api.errors import ErrorCode
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.factories import (
    AuthorityFactory,
    EntrepreneurFactory,
    MembershipFactory,
    OfficialProfileFactory,
)
from tests.permits.factories import (
    DocumentRequirementFactory,
    LegalActFactory,
    LicenceTypeFactory,
    submit,
)

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
WEDNESDAY = dt.datetime(2026, 9, 16, 10, 30, tzinfo=ALMATY)
API = "/api/v1/applications"
PERMIT_NUMBER = re.compile(r"^KZ-[A-Z0-9-]+-2026-(\d{6})$")


# --- the world -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(WEDNESDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def authority():
    return AuthorityFactory()


def official(authority, **traits):
    return OfficialProfileFactory(authority=authority, **traits).user


def events(action: str, application: Application):
    return AuditEvent.objects.filter(
        action=action, object_type="permits.application", object_id=str(application.pk)
    )


def decide(client, application, decision="approve", reason="Premises and staff fit.", **extra):
    return client.post(f"{API}/{application.pk}/decide/", {"decision": decision, "reason": reason, **extra})


@pytest.fixture
def owner():
    return EntrepreneurFactory()


@pytest.fixture
def partner(owner):
    """A second member of the owner's business."""
    return MembershipFactory(business=owner.memberships.get().business, role="member").user


@pytest.fixture
def assignee(authority):
    return official(authority)


@pytest.fixture
def colleague(authority, assignee):
    return official(authority)


@pytest.fixture
def medium(clock, authority, assignee, colleague, owner, partner) -> Application:
    """A medium file in review, assigned to `assignee` (lowest id of two medium officials)."""
    application = submit(LicenceTypeFactory(authority=authority), owner, clock=clock)
    assert (application.status, application.assigned_to) == (ApplicationStatus.IN_REVIEW, assignee)
    return application


@pytest.fixture
def act():
    return LegalActFactory(code="law-on-permits", title="On Permits and Notifications")


@pytest.fixture
def requirement():
    return DocumentRequirementFactory(code="premises-lease", name="Premises lease")


# --- medium: one official decides ----------------------------------------------------------------


def test_the_assigned_official_approves_and_the_permit_is_issued(
    medium, assignee, owner, partner, client_for
):
    # given: a medium file in review with `assignee`; the business has two members
    client = client_for(assignee)

    # when
    response = decide(client, medium, reason="Premises and staff fit.")

    # then: approved, with the permit in the answer
    body = response.json()
    assert response.status_code == 200, body
    assert (body["status"], body["stage"]) == ("approved", "decided")
    assert body["decision_reason"] == "Premises and staff fit."
    assert body["decided_at"] is not None
    assert PERMIT_NUMBER.fullmatch(body["permit"]["number"])
    assert body["permit"]["status"] == "active"
    # and: one permit row, for this business
    permit = Permit.objects.get(application=medium)
    assert permit.number == body["permit"]["number"]
    assert permit.holder == medium.business
    # and: a review row records who decided what and why
    review = Review.objects.get(application=medium)
    assert (review.stage, review.outcome, review.reviewer, review.reason) == (
        ReviewStage.FIRST,
        ReviewOutcome.APPROVED,
        assignee,
        "Premises and staff fit.",
    )
    # and: every member of the business is told of the permit
    issued = Notification.objects.filter(channel="in_app", event="permit.issued")
    assert {n.recipient for n in issued} == {owner, partner}
    assert all(n.payload["permit"] == permit.number for n in issued)
    assert events("application.approved", medium).get().data["reason"] == "Premises and staff fit."


def test_approval_and_permit_are_one_transaction(clock, authority, medium, assignee):
    # given: an earlier permit, and the number sequence rewound so the next number collides with it
    earlier = submit(LicenceTypeFactory(authority=authority), clock=clock)
    application_decide(
        actor=earlier.assigned_to, application_id=earlier.pk, decision="approve", reason="Fine."
    )
    taken = int(PERMIT_NUMBER.fullmatch(Permit.objects.get(application=earlier).number).group(1))
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval('permits_permit_number_seq', %s, false)", [taken])
    assert earlier.assigned_to != assignee

    # when: issuing the permit fails inside the approval
    with pytest.raises(IntegrityError):
        application_decide(
            actor=assignee,
            application_id=medium.pk,
            decision="approve",
            reason="Fits.",
        )

    # then: nothing of the approval survives
    medium.refresh_from_db()
    assert (medium.status, medium.decided_at, medium.decision_reason) == (
        ApplicationStatus.IN_REVIEW,
        None,
        "",
    )
    assert not Review.objects.filter(application=medium).exists()
    assert not Permit.objects.filter(application=medium).exists()
    assert not events("application.approved", medium).exists()


@pytest.mark.parametrize("basis", ["legal_basis", "requirement"])
def test_a_rejection_names_its_basis(medium, assignee, owner, act, requirement, client_for, basis):
    # given
    value = {"legal_basis": act.code, "requirement": requirement.code}[basis]

    # when
    response = decide(client_for(assignee), medium, "reject", "The lease has expired.", **{basis: value})

    # then
    body = response.json()
    assert response.status_code == 200, body
    assert (body["status"], body["permit"]) == ("rejected", None)
    assert body["decision_reason"].startswith("The lease has expired.")
    review = Review.objects.get(application=medium)
    assert review.outcome == ReviewOutcome.REJECTED
    assert (review.legal_basis, review.requirement) == (
        (act, None) if basis == "legal_basis" else (None, requirement)
    )
    assert not Permit.objects.exists()
    assert Notification.objects.filter(
        channel="in_app", recipient=owner, event="application.rejected"
    ).exists()


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"decision": "reject", "reason": "No."}, "basis_required", "legal_basis"),
        (
            {"decision": "reject", "reason": "No.", "legal_basis": "", "requirement": ""},
            "basis_required",
            None,
        ),
        ({"decision": "reject", "reason": "No.", "legal_basis": "no-such-law"}, "invalid", "legal_basis"),
        ({"decision": "reject", "reason": "No.", "requirement": "no-such-doc"}, "invalid", "requirement"),
        ({"decision": "approve", "reason": "No.", "legal_basis": "no-such-law"}, "invalid", "legal_basis"),
        ({"decision": "approve", "reason": ""}, "invalid", "reason"),
        ({"decision": "approve", "reason": "   "}, "invalid", "reason"),
        ({"decision": "approve"}, "invalid", "reason"),
        ({"decision": "maybe", "reason": "Hmm."}, "invalid", "decision"),
        ({"reason": "Hmm."}, "invalid", "decision"),
    ],
)
def test_an_invalid_decision_is_refused_and_changes_nothing(
    medium, assignee, client_for, payload, code, field
):
    # given
    version = medium.version

    # when
    response = client_for(assignee).post(f"{API}/{medium.pk}/decide/", payload, format="json")

    # then
    body = response.json()
    assert response.status_code == 400, body
    assert body["code"] == code
    if field:
        assert field in body["fields"]
    medium.refresh_from_db()
    assert (medium.status, medium.version) == (ApplicationStatus.IN_REVIEW, version)
    assert not Review.objects.exists()
    assert not Permit.objects.exists()


@pytest.mark.parametrize(
    ("caller", "status", "code"),
    [
        ("colleague", 403, "not_assigned"),
        ("supervisor", 403, "not_assigned"),
        ("official_elsewhere", 404, "not_found"),
        ("other_entrepreneur", 404, "not_found"),
        ("applicant", 403, "not_an_official"),
    ],
)
def test_only_the_assigned_official_decides(
    medium, authority, owner, colleague, client_for, caller, status, code
):
    # given
    users = {
        "colleague": colleague,
        "supervisor": official(authority, supervisor=True),
        "official_elsewhere": official(AuthorityFactory()),
        "other_entrepreneur": EntrepreneurFactory(),
        "applicant": owner,
    }

    # when
    response = decide(client_for(users[caller]), medium)

    # then
    assert response.status_code == status
    assert response.json()["code"] == code
    medium.refresh_from_db()
    assert medium.status == ApplicationStatus.IN_REVIEW
    assert not Review.objects.exists()


def test_anonymous_callers_cannot_decide(medium, api_client):
    # given: a medium file in review; no token
    # when
    response = decide(api_client, medium)

    # then
    assert response.status_code == 401
    assert not Review.objects.exists()


def test_a_stale_version_is_a_conflict(medium, assignee, client_for):
    # given: the version the client read before the file was assigned
    stale = medium.version - 1

    # when
    response = decide(client_for(assignee), medium, version=stale)
    current = decide(client_for(assignee), medium, version=medium.version)

    # then
    assert response.status_code == 409
    assert response.json()["code"] == ErrorCode.CONFLICT
    assert current.status_code == 200, current.json()
    assert Review.objects.filter(application=medium).count() == 1


def test_a_decided_application_cannot_be_decided_again(medium, assignee, act, client_for):
    # given
    client = client_for(assignee)
    assert decide(client, medium).status_code == 200

    # when
    again = decide(client, medium, "reject", "Second thoughts.", legal_basis=act.code)

    # then
    assert again.status_code == 409
    assert again.json()["code"] == ErrorCode.CONFLICT
    medium.refresh_from_db()
    assert medium.status == ApplicationStatus.APPROVED
    assert Review.objects.filter(application=medium).count() == 1
    assert Permit.objects.filter(application=medium).count() == 1


# --- high: four eyes -----------------------------------------------------------------------------


@pytest.fixture
def seniors(authority):
    return official(authority, high=True), official(authority, high=True)


@pytest.fixture
def high(clock, authority, seniors, owner) -> Application:
    application = submit(LicenceTypeFactory(authority=authority, high=True), owner, clock=clock)
    assert (application.status, application.assigned_to) == (ApplicationStatus.IN_REVIEW, seniors[0])
    return application


def test_a_first_approval_of_a_high_file_sends_it_to_a_second_official(high, seniors, owner, client_for):
    # given
    first, second = seniors

    # when
    response = decide(client_for(first), high, reason="Safety plan is sound.")

    # then: second review, with the other senior; nothing issued yet
    body = response.json()
    assert response.status_code == 200, body
    assert (body["status"], body["stage"]) == ("second_review", "second_review")
    assert body["assigned_to"] == second.username
    assert body["permit"] is None
    assert body["decided_at"] is None
    assert not Permit.objects.exists()
    review = Review.objects.get(application=high)
    assert (review.stage, review.reviewer, review.outcome) == (
        ReviewStage.FIRST,
        first,
        ReviewOutcome.APPROVED,
    )
    assert Notification.objects.filter(
        channel="in_app", recipient=second, event="application.first_review_approved"
    ).exists()
    # and: the applicant sees the stage
    shown = client_for(owner).get(f"{API}/{high.pk}/").json()
    assert (shown["status"], shown["stage"]) == ("second_review", "second_review")


def test_the_first_reviewer_can_never_decide_the_second_stage(high, seniors, act, client_for):
    # given
    first, _ = seniors
    client = client_for(first)
    assert decide(client, high).status_code == 200

    # when
    approve = decide(client, high, reason="Approving again.")
    reject = decide(client, high, "reject", "Changed my mind.", legal_basis=act.code)

    # then
    for response in (approve, reject):
        assert response.status_code == 403
        assert response.json()["code"] == PermitErrorCode.FOUR_EYES
    high.refresh_from_db()
    assert high.status == ApplicationStatus.SECOND_REVIEW
    assert Review.objects.filter(application=high).count() == 1


def test_the_second_approval_issues_the_permit(high, seniors, owner, client_for):
    # given
    first, second = seniors
    assert decide(client_for(first), high, reason="First look: fine.").status_code == 200

    # when
    response = decide(client_for(second), high, reason="Confirmed.")

    # then
    body = response.json()
    assert response.status_code == 200, body
    assert (body["status"], body["permit"]["status"]) == ("approved", "active")
    assert Permit.objects.get(application=high).number == body["permit"]["number"]
    stages = list(
        Review.objects.filter(application=high).order_by("id").values_list("stage", "reviewer", "outcome")
    )
    assert stages == [
        (ReviewStage.FIRST, first.pk, ReviewOutcome.APPROVED),
        (ReviewStage.SECOND, second.pk, ReviewOutcome.APPROVED),
    ]
    assert Notification.objects.filter(channel="in_app", recipient=owner, event="permit.issued").exists()


def test_the_second_stage_may_reject(high, seniors, requirement, owner, client_for):
    # given
    first, second = seniors
    assert decide(client_for(first), high).status_code == 200

    # when
    response = decide(
        client_for(second), high, "reject", "The lease is unsigned.", requirement=requirement.code
    )

    # then
    body = response.json()
    assert response.status_code == 200, body
    assert (body["status"], body["permit"]) == ("rejected", None)
    assert not Permit.objects.exists()
    second_review = Review.objects.get(application=high, stage=ReviewStage.SECOND)
    assert (second_review.reviewer, second_review.outcome) == (second, ReviewOutcome.REJECTED)
    shown = client_for(owner).get(f"{API}/{high.pk}/").json()
    assert (shown["status"], shown["stage"]) == ("rejected", "decided")
    assert "The lease is unsigned." in shown["decision_reason"]


def test_a_first_rejection_of_a_high_file_ends_it_without_a_second_stage(high, seniors, act, client_for):
    # given: a high-risk file in its first review
    first, _ = seniors

    # when
    response = decide(client_for(first), high, "reject", "Unsafe venue.", legal_basis=act.code)

    # then
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "rejected"
    assert list(Review.objects.filter(application=high).values_list("stage", flat=True)) == [
        ReviewStage.FIRST
    ]


def test_with_no_second_official_the_file_waits_and_an_eligible_official_claims_it(
    clock, authority, owner, client_for
):
    # given: one high official only (and a supervisor), who approves the first stage
    only_senior = official(authority, high=True)
    supervisor = official(authority, supervisor=True)
    application = submit(LicenceTypeFactory(authority=authority, high=True), owner, clock=clock)
    first = decide(client_for(only_senior), application)

    # then: it waits in second review, unassigned, and the supervisor is told
    assert first.status_code == 200, first.json()
    assert (first.json()["status"], first.json()["assigned_to"]) == ("second_review", None)
    told = Notification.objects.get(channel="in_app", event="application.no_eligible_official")
    assert told.recipient == supervisor
    assert told.payload["stage"] == "second"
    assert events("application.awaiting_assignment", application).get().data["stage"] == "second"

    # when: the first reviewer tries to claim it, then a newly cleared senior does
    own = client_for(only_senior).post(f"{API}/{application.pk}/claim/")
    newcomer = official(authority, high=True)
    claimed = client_for(newcomer).post(f"{API}/{application.pk}/claim/")

    # then
    assert own.status_code == 403
    assert own.json()["code"] == PermitErrorCode.FOUR_EYES
    assert claimed.status_code == 200, claimed.json()
    assert (claimed.json()["status"], claimed.json()["assigned_to"]) == ("second_review", newcomer.username)
    final = decide(client_for(newcomer), application, reason="Confirmed.")
    assert final.status_code == 200, final.json()
    assert final.json()["status"] == "approved"
    assert Permit.objects.filter(application=application).count() == 1


# --- oldest first --------------------------------------------------------------------------------


@pytest.fixture
def two_files(clock, authority):
    """One official holding two medium files, the older submitted a minute before the newer."""
    only = official(authority)
    licence_type = LicenceTypeFactory(authority=authority)
    older, newer = submit(licence_type, clock=clock), submit(licence_type, clock=clock)
    assert older.assigned_to == newer.assigned_to == only
    assert older.submitted_at < newer.submitted_at
    return only, older, newer


def test_deciding_the_newer_file_first_needs_a_reason(two_files, client_for):
    # given
    only, older, newer = two_files
    client = client_for(only)

    # when
    refused = decide(client, newer)
    allowed = decide(client, newer, out_of_order_reason="The event is this weekend.")

    # then
    assert refused.status_code == 409
    assert refused.json()["code"] == PermitErrorCode.OUT_OF_ORDER
    assert older.reference in refused.json()["detail"]
    assert allowed.status_code == 200, allowed.json()
    assert allowed.json()["status"] == "approved"
    jump = events("application.out_of_order", newer).get()
    assert jump.actor == only
    assert jump.data == {
        "reference": newer.reference,
        "skipped": older.reference,
        "reason": "The event is this weekend.",
    }
    assert Review.objects.filter(application=newer).count() == 1


def test_oldest_first_needs_no_reason(two_files, client_for):
    # given
    only, older, newer = two_files
    client = client_for(only)

    # when
    first = decide(client, older)
    second = decide(client, newer)

    # then
    assert (first.status_code, second.status_code) == (200, 200)
    assert not AuditEvent.objects.filter(action="application.out_of_order").exists()


def test_a_file_waiting_on_the_applicant_does_not_hold_up_newer_ones(two_files, client_for):
    # given: the older file waits on the applicant
    only, older, newer = two_files
    application_request_info(actor=only, application_id=older.pk, message="Send the lease.")

    # when
    response = decide(client_for(only), newer)

    # then
    assert response.status_code == 200, response.json()
    assert not AuditEvent.objects.filter(action="application.out_of_order").exists()


# --- what the applicant sees ---------------------------------------------------------------------


def test_the_applicant_sees_status_stage_and_decision_reason(medium, assignee, owner, act, client_for):
    # given
    applicant = client_for(owner)
    before = applicant.get(f"{API}/{medium.pk}/").json()

    # when
    decide(client_for(assignee), medium, "reject", "Fire exits are blocked.", legal_basis=act.code)
    after = applicant.get(f"{API}/{medium.pk}/").json()

    # then
    assert (before["status"], before["stage"], before["decision_reason"]) == ("in_review", "review", "")
    assert before["due_at"] is not None
    assert (after["status"], after["stage"]) == ("rejected", "decided")
    assert after["decision_reason"] == f"Fire exits are blocked. (basis: {act.title} ({act.reference}))"
    assert after["decided_at"] is not None
