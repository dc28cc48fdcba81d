"""Who gets a file: automatic assignment to the least-loaded eligible official, what happens when
nobody is eligible, claiming an unassigned file (oldest first unless a reason is recorded), and a
supervisor's reassignment with its reason, all over real HTTP on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from permits.errors import PermitErrorCode
from permits.models import Application, ApplicationStatus, Tier
from permits.services.review import (
    application_claim,
    application_request_info,
    conflict_declare,
)
from portal.api.errors import ErrorCode, Forbidden
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.factories import AuthorityFactory, EntrepreneurFactory, OfficialProfileFactory, UserFactory
from tests.permits.factories import (
    DraftApplicationFactory,
    LicenceTypeFactory,
    decide,
    submit,
)

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
# A Wednesday, 10:30 in Almaty; no holiday is recorded, so only weekends are skipped.
WEDNESDAY = dt.datetime(2026, 9, 16, 10, 30, tzinfo=ALMATY)
API = "/api/v1/applications"


# --- the world -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clock():
    """Frozen time; `submit` moves it one minute per submission so files have a clear age order."""
    with time_machine.travel(WEDNESDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def authority():
    return AuthorityFactory()


@pytest.fixture
def medium_type(authority):
    return LicenceTypeFactory(authority=authority)


@pytest.fixture
def high_type(authority):
    return LicenceTypeFactory(authority=authority, high=True)


def official(authority, *, user=None, **traits):
    """A user with an OfficialProfile in `authority` (traits: low, high, supervisor)."""
    kwargs = {"user": user} if user is not None else {}
    return OfficialProfileFactory(authority=authority, **kwargs, **traits).user


def business_of(owner):
    return owner.memberships.get().business


def declare(official_user, business):
    return conflict_declare(
        actor=official_user, official=official_user, business=business, reason="My brother runs it."
    )


def owner_of(application: Application):
    return application.business.memberships.get().user


def events(action: str, application: Application):
    return AuditEvent.objects.filter(
        action=action, object_type="permits.application", object_id=str(application.pk)
    )


# --- automatic assignment ------------------------------------------------------------------------


def test_a_medium_file_goes_to_the_least_loaded_eligible_official_ties_broken_by_user_id(
    clock, authority, medium_type, client_for
):
    # given: officials who must never be picked, created first so they would win any tie by id
    official(authority, low=True)
    official(authority, supervisor=True)
    # and: three eligible officials; profiles created in reverse, so profile ids disagree with user ids
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    official(authority, user=third, high=True)
    official(authority, user=second)
    official(authority, user=first)
    owner = EntrepreneurFactory()
    draft = DraftApplicationFactory(business=business_of(owner), licence_type=medium_type, created_by=owner)

    # when: the applicant submits over HTTP, then three more files arrive
    response = client_for(owner).post(f"{API}/{draft.pk}/submit/")
    later = [submit(medium_type, clock=clock) for _ in range(3)]

    # then: the first goes to the lowest user id, then to whoever has least, ties by user id
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "in_review"
    assert body["stage"] == "review"
    assert body["assigned_to"] == first.username
    assert [a.assigned_to for a in later] == [second, third, first]
    assert all(a.status == ApplicationStatus.IN_REVIEW for a in later)
    # and: the assignment is in the audit trail and the official is told
    started = events("application.review_started", Application.objects.get(pk=draft.pk)).get()
    assert started.data["assigned_to"] == first.username
    assert (
        Notification.objects.filter(
            channel="in_app", recipient=first, event="application.review_started"
        ).count()
        == 2
    )


def test_a_high_file_goes_only_to_an_official_cleared_for_high(clock, authority, medium_type, high_type):
    # given: one medium and two high officials, each holding one medium file
    medium_official = official(authority)
    senior1 = official(authority, high=True)
    senior2 = official(authority, high=True)
    assert [submit(medium_type, clock=clock).assigned_to for _ in range(3)] == [
        medium_official,
        senior1,
        senior2,
    ]

    # when: two high-risk files arrive
    high1 = submit(high_type, clock=clock)
    high2 = submit(high_type, clock=clock)

    # then: they go to the seniors, never to the medium official who is now the least loaded
    assert high1.risk_tier == Tier.HIGH
    assert (high1.assigned_to, high2.assigned_to) == (senior1, senior2)
    assert Application.objects.filter(assigned_to=medium_official).count() == 1


def test_an_inactive_or_conflicted_official_is_never_chosen(clock, authority, medium_type):
    # given: an inactive official and one linked to a business, both with lower ids than the third
    official(authority, user=UserFactory(is_active=False))
    linked = official(authority)
    eligible = official(authority)
    linked_owner = EntrepreneurFactory()
    declare(linked, business_of(linked_owner))

    # when: the linked business submits, then an unrelated one does
    from_linked_business = submit(medium_type, linked_owner, clock=clock)
    unrelated = submit(medium_type, clock=clock)

    # then: the linked business's file skips both; the linked official is eligible for other files
    assert from_linked_business.assigned_to == eligible
    assert unrelated.assigned_to == linked
    assert not Application.objects.filter(assigned_to__is_active=False).exists()


def test_with_no_eligible_official_the_file_waits_unassigned_and_every_supervisor_is_told(
    clock, authority, medium_type, client_for
):
    # given: nobody in the authority can take a medium file
    official(authority, low=True)
    official(authority, user=UserFactory(is_active=False))
    linked = official(authority)
    supervisors = {official(authority, supervisor=True), official(authority, supervisor=True)}
    elsewhere = official(AuthorityFactory(), supervisor=True)
    owner = EntrepreneurFactory()
    declare(linked, business_of(owner))

    # when
    application = submit(medium_type, owner, clock=clock)

    # then: it stays submitted, unassigned
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.assigned_to is None
    shown = client_for(owner).get(f"{API}/{application.pk}/").json()
    assert (shown["status"], shown["stage"], shown["assigned_to"]) == ("submitted", "awaiting_review", None)
    # and: the audit trail says it is waiting
    waiting = events("application.awaiting_assignment", application).get()
    assert waiting.data == {"reference": application.reference, "stage": "first"}
    # and: exactly the supervisors of this authority are notified
    told = Notification.objects.filter(channel="in_app", event="application.no_eligible_official")
    assert {n.recipient for n in told} == supervisors
    assert all(n.payload["reference"] == application.reference for n in told)
    assert not Notification.objects.filter(channel="in_app", recipient=elsewhere).exists()


def test_decided_files_do_not_count_towards_the_load(clock, authority, medium_type):
    # given: A holds two files and B one; A then decides both of theirs
    a, b = official(authority), official(authority)
    f1, f2, f3 = (submit(medium_type, clock=clock) for _ in range(3))
    assert (f1.assigned_to, f2.assigned_to, f3.assigned_to) == (a, b, a)
    decide(f1, a, reason="All in order.")
    decide(f3, a, "reject", reason="No licence.")

    # when
    f4 = submit(medium_type, clock=clock)

    # then: A has no open file left (B has one), so A gets it
    assert f4.assigned_to == a


def test_a_file_waiting_on_the_applicant_still_counts_towards_the_load(clock, authority, medium_type):
    # given: A's only file waits on the applicant
    a, b = official(authority), official(authority)
    f1 = submit(medium_type, clock=clock)
    assert f1.assigned_to == a
    application_request_info(actor=a, application_id=f1.pk, message="Send the lease.")

    # when
    f2 = submit(medium_type, clock=clock)

    # then: A still carries it, so B (with nothing) gets the new file
    assert f2.assigned_to == b


def test_a_file_at_second_review_counts_for_its_second_reviewer(clock, authority, medium_type, high_type):
    # given: senior1 approved a high file's first stage, which now sits with senior2
    senior1, senior2, senior3 = (official(authority, high=True) for _ in range(3))
    high = submit(high_type, clock=clock)
    decide(high, senior1, reason="Sound.")
    assert (high.status, high.assigned_to) == (ApplicationStatus.SECOND_REVIEW, senior2)

    # when: two medium files arrive
    first, second = submit(medium_type, clock=clock), submit(medium_type, clock=clock)

    # then: senior1 (now free) takes the first; senior3, not the busy senior2, the second
    assert (first.assigned_to, second.assigned_to) == (senior1, senior3)


# --- claiming an unassigned file -----------------------------------------------------------------


def test_an_eligible_official_claims_an_unassigned_file(clock, authority, medium_type, client_for):
    # given: a file that waited for want of an official, and an official who joins later
    application = submit(medium_type, clock=clock)
    assert application.assigned_to is None
    newcomer = official(authority)

    # when
    response = client_for(newcomer).post(f"{API}/{application.pk}/claim/")

    # then
    body = response.json()
    assert response.status_code == 200, body
    assert (body["status"], body["assigned_to"]) == ("in_review", newcomer.username)
    application.refresh_from_db()
    assert application.assigned_to == newcomer
    claimed = events("application.review_started", application).get()
    assert claimed.data["how"] == "claimed"
    assert not events("application.out_of_order", application).exists()


def test_a_low_clearance_official_cannot_claim_a_medium_file(clock, authority, medium_type, client_for):
    # given
    application = submit(medium_type, clock=clock)
    junior = official(authority, low=True)

    # when: over HTTP the file is above their clearance, so not even visible; the service refuses too
    response = client_for(junior).post(f"{API}/{application.pk}/claim/")
    with pytest.raises(Forbidden) as refused:
        application_claim(actor=junior, application_id=application.pk)

    # then
    assert response.status_code == 404
    assert response.json()["code"] == ErrorCode.NOT_FOUND
    assert refused.value.code == PermitErrorCode.CLEARANCE_TOO_LOW
    application.refresh_from_db()
    assert (application.status, application.assigned_to) == (ApplicationStatus.SUBMITTED, None)


def test_a_conflicted_official_cannot_claim(clock, authority, medium_type, client_for):
    # given
    owner = EntrepreneurFactory()
    application = submit(medium_type, owner, clock=clock)
    linked = official(authority)
    declare(linked, business_of(owner))

    # when
    response = client_for(linked).post(f"{API}/{application.pk}/claim/")

    # then
    assert response.status_code == 404
    assert response.json()["code"] == ErrorCode.NOT_FOUND  # a link takes the file away, not only the decision
    application.refresh_from_db()
    assert (application.status, application.assigned_to) == (ApplicationStatus.SUBMITTED, None)


def test_an_assigned_file_cannot_be_claimed(clock, authority, medium_type, client_for):
    # given
    holder, other = official(authority), official(authority)
    application = submit(medium_type, clock=clock)
    assert application.assigned_to == holder

    # when
    response = client_for(other).post(f"{API}/{application.pk}/claim/")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == PermitErrorCode.NOT_CLAIMABLE
    application.refresh_from_db()
    assert application.assigned_to == holder


@pytest.fixture
def waiting_files(clock, authority, medium_type, high_type):
    """Unassigned files, oldest first: a high one, one of a business the official is linked to, then
    two the official may take (older, newer); and the medium official who arrives afterwards."""
    linked_owner = EntrepreneurFactory()
    high = submit(high_type, clock=clock)
    linked = submit(medium_type, linked_owner, clock=clock)
    older = submit(medium_type, clock=clock)
    newer = submit(medium_type, clock=clock)
    assert all(a.assigned_to is None for a in (high, linked, older, newer))
    newcomer = official(authority)
    declare(newcomer, business_of(linked_owner))
    return {"older": older, "newer": newer, "official": newcomer}


def test_claiming_a_newer_file_while_an_older_eligible_one_waits_needs_a_reason(waiting_files, client_for):
    # given
    older, newer, newcomer = waiting_files["older"], waiting_files["newer"], waiting_files["official"]
    client = client_for(newcomer)

    # when: out of turn without a reason
    refused = client.post(f"{API}/{newer.pk}/claim/")

    # then: refused, naming the file that waited longer (not the ones they may not take)
    assert refused.status_code == 409
    assert refused.json()["code"] == PermitErrorCode.OUT_OF_ORDER
    assert older.reference in refused.json()["detail"]
    newer.refresh_from_db()
    assert (newer.status, newer.assigned_to) == (ApplicationStatus.SUBMITTED, None)

    # when: with a reason
    response = client.post(f"{API}/{newer.pk}/claim/", {"out_of_order_reason": "Festival opens Friday."})

    # then: taken, and the audit trail keeps the reason and the skipped file
    assert response.status_code == 200, response.json()
    assert response.json()["assigned_to"] == newcomer.username
    jump = events("application.out_of_order", newer).get()
    assert jump.actor == newcomer
    assert jump.data["reason"] == "Festival opens Friday."
    assert jump.data["skipped"] == older.reference


def test_claiming_the_oldest_file_one_may_take_needs_no_reason(waiting_files, client_for):
    # given: older files exist, but above the official's clearance or of a business they are linked to
    older, newcomer = waiting_files["older"], waiting_files["official"]

    # when
    response = client_for(newcomer).post(f"{API}/{older.pk}/claim/")

    # then
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "in_review"
    assert not AuditEvent.objects.filter(action="application.out_of_order").exists()


# --- supervisors reassign ------------------------------------------------------------------------


@pytest.fixture
def team(authority):
    """Officials of the authority: assignee (lowest id), colleague, linked, junior, supervisor."""
    return {
        "assignee": official(authority),
        "colleague": official(authority),
        "linked": official(authority),
        "junior": official(authority, low=True),
        "supervisor": official(authority, supervisor=True),
    }


@pytest.fixture
def in_review(clock, medium_type, team):
    owner = EntrepreneurFactory()
    declare(team["linked"], business_of(owner))
    application = submit(medium_type, owner, clock=clock)
    assert application.assigned_to == team["assignee"]
    return application


def reassign(client, application, to, reason="Assignee on leave until the 30th."):
    return client.post(f"{API}/{application.pk}/reassign/", {"to": to, "reason": reason})


def test_a_supervisor_reassigns_with_a_recorded_reason(in_review, team, client_for):
    # given
    assignee, colleague = team["assignee"], team["colleague"]

    # when
    response = reassign(client_for(team["supervisor"]), in_review, colleague.username)

    # then
    body = response.json()
    assert response.status_code == 200, body
    assert (body["status"], body["assigned_to"]) == ("in_review", colleague.username)
    moved = events("application.reassigned", in_review).get()
    assert moved.actor == team["supervisor"]
    assert moved.data["from"] == assignee.username
    assert moved.data["to"] == colleague.username
    assert moved.data["reason"] == "Assignee on leave until the 30th."
    told = Notification.objects.filter(channel="in_app", event="application.reassigned")
    assert {n.recipient for n in told} == {assignee, colleague}


def test_a_supervisor_assigns_a_waiting_file(clock, authority, medium_type, client_for):
    # given: a file nobody could take, then a supervisor and a newly cleared official
    application = submit(medium_type, clock=clock)
    supervisor, newcomer = official(authority, supervisor=True), official(authority)

    # when
    response = reassign(client_for(supervisor), application, newcomer.username, reason="New hire.")

    # then
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["assigned_to"]) == ("in_review", newcomer.username)
    started = events("application.review_started", application).get()
    assert started.data["reason"] == "New hire."


@pytest.mark.parametrize(
    ("caller", "status", "code"),
    [
        ("assignee", 403, "not_a_supervisor"),
        ("colleague", 403, "not_a_supervisor"),
        ("applicant", 403, "not_a_supervisor"),
        ("supervisor_elsewhere", 404, "not_found"),
    ],
)
def test_only_a_supervisor_of_the_authority_reassigns(in_review, team, client_for, caller, status, code):
    # given
    users = {
        **team,
        "applicant": owner_of(in_review),
        "supervisor_elsewhere": official(AuthorityFactory(), supervisor=True),
    }

    # when
    response = reassign(client_for(users[caller]), in_review, team["colleague"].username)

    # then
    assert response.status_code == status
    assert response.json()["code"] == code
    in_review.refresh_from_db()
    assert in_review.assigned_to == team["assignee"]
    assert not events("application.reassigned", in_review).exists()


@pytest.mark.parametrize(
    ("target", "reason", "status", "code", "field"),
    [
        ("linked", "Assignee away.", 403, "conflict_of_interest", None),
        ("junior", "Assignee away.", 403, "clearance_too_low", None),
        ("elsewhere", "Assignee away.", 403, "not_an_official", None),
        ("nobody", "Assignee away.", 400, "invalid", "to"),
        ("colleague", "", 400, "invalid", "reason"),
        ("colleague", "   ", 400, "invalid", "reason"),
        ("assignee", "Assignee away.", 409, "already_assigned", None),
    ],
)
def test_reassignment_refuses_an_ineligible_target_or_a_missing_reason(
    in_review, team, client_for, target, reason, status, code, field
):
    # given
    names = {key: user.username for key, user in team.items()}
    names["elsewhere"] = official(AuthorityFactory()).username
    names["nobody"] = "no-such-official"
    version = in_review.version

    # when
    response = reassign(client_for(team["supervisor"]), in_review, names[target], reason=reason)

    # then
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code
    if field:
        assert field in body["fields"]
    in_review.refresh_from_db()
    assert (in_review.assigned_to, in_review.version) == (team["assignee"], version)


def test_at_second_review_the_first_reviewer_is_never_the_target(clock, authority, high_type, client_for):
    # given: a high-risk file approved once by senior1, now with senior2
    senior1, senior2, senior3 = (official(authority, high=True) for _ in range(3))
    supervisor = official(authority, supervisor=True)
    application = submit(high_type, clock=clock)
    assert application.assigned_to == senior1
    decide(application, senior1, reason="Fits.")
    assert (application.status, application.assigned_to) == (ApplicationStatus.SECOND_REVIEW, senior2)
    client = client_for(supervisor)

    # when
    back_to_first = reassign(client, application, senior1.username)
    to_third = reassign(client, application, senior3.username)

    # then
    assert back_to_first.status_code == 403
    assert back_to_first.json()["code"] == PermitErrorCode.FOUR_EYES
    assert to_third.status_code == 200, to_third.json()
    assert (to_third.json()["status"], to_third.json()["assigned_to"]) == ("second_review", senior3.username)
