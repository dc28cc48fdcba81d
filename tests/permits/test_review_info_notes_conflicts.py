"""Information requests that stop the clock and the applicant's answer that restarts it, officials'
internal notes that the applicant never sees, and conflicts of interest declared by officials or
recorded by their supervisor, with the files they take away. Real HTTP on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from permits.calendar import add_working_days
from permits.errors import PermitErrorCode
from permits.models import Application, ApplicationStatus, Review
from permits.services.review import application_request_info
from portal.accounts.models import ConflictOfInterest, ConflictSource
from portal.api.errors import ErrorCode
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.factories import (
    AuthorityFactory,
    EntrepreneurFactory,
    MembershipFactory,
    OfficialProfileFactory,
)
from tests.permits.factories import LicenceTypeFactory, submit

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
# Submitted on a Wednesday at 10:30 in Almaty; no holiday is recorded, so only weekends are skipped.
WEDNESDAY = dt.datetime(2026, 9, 16, 10, 30, tzinfo=ALMATY)
THURSDAY = WEDNESDAY + dt.timedelta(days=1)
NEXT_TUESDAY = WEDNESDAY + dt.timedelta(days=6)
API = "/api/v1"


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


@pytest.fixture
def assignee(authority):
    return official(authority)


@pytest.fixture
def supervisor(authority):
    return official(authority, supervisor=True)


@pytest.fixture
def owner():
    return EntrepreneurFactory()


@pytest.fixture
def business(owner):
    return owner.memberships.get().business


@pytest.fixture
def partner(business):
    return MembershipFactory(business=business, role="member").user


@pytest.fixture
def medium(authority, assignee, supervisor, owner, partner) -> Application:
    """A medium file in review with `assignee`, the only non-supervisor official (so far)."""
    application = submit(LicenceTypeFactory(authority=authority), owner)
    assert (application.status, application.assigned_to) == (ApplicationStatus.IN_REVIEW, assignee)
    return application


def events(action: str, application: Application):
    return AuditEvent.objects.filter(
        action=action, object_type="permits.application", object_id=str(application.pk)
    )


def url(application: Application, action: str) -> str:
    return f"{API}/applications/{application.pk}/{action}/"


# --- information requests ------------------------------------------------------------------------


def test_an_information_request_pauses_the_clock_and_tells_the_applicant(
    medium, assignee, owner, partner, client_for
):
    # given: a medium file in review with `assignee`; the business has two members
    client = client_for(assignee)

    # when
    response = client.post(url(medium, "request-info"), {"message": "Send the signed lease."})

    # then: waiting on the applicant, clock stopped now
    body = response.json()
    assert response.status_code == 200, body
    assert (body["status"], body["stage"]) == ("info_requested", "awaiting_applicant")
    medium.refresh_from_db()
    assert medium.paused_at == WEDNESDAY
    # and: the message is in the applicant's thread
    thread = client_for(owner).get(url(medium, "messages")).json()["results"]
    assert [(m["author"], m["body"]) for m in thread] == [(assignee.username, "Send the signed lease.")]
    # and: every member of the business is told
    told = Notification.objects.filter(channel="in_app", event="application.info_requested")
    assert {n.recipient for n in told} == {owner, partner}
    assert events("application.info_requested", medium).get().data["message"] == "Send the signed lease."


@pytest.mark.parametrize("payload", [{}, {"message": ""}, {"message": "   "}])
def test_an_information_request_needs_a_message(medium, assignee, client_for, payload):
    # given: a medium file in review with `assignee`
    client = client_for(assignee)

    # when
    response = client.post(url(medium, "request-info"), payload, format="json")

    # then
    assert response.status_code == 400
    assert "message" in response.json()["fields"]
    medium.refresh_from_db()
    assert (medium.status, medium.paused_at) == (ApplicationStatus.IN_REVIEW, None)


@pytest.mark.parametrize(
    ("caller", "status", "code"),
    [
        ("colleague", 403, "not_assigned"),
        ("official_elsewhere", 404, "not_found"),
        ("applicant", 403, "not_an_official"),
    ],
)
def test_only_the_assigned_official_requests_information(
    medium, authority, owner, client_for, caller, status, code
):
    # given
    users = {
        "colleague": official(authority),
        "official_elsewhere": official(AuthorityFactory()),
        "applicant": owner,
    }

    # when
    response = client_for(users[caller]).post(url(medium, "request-info"), {"message": "More, please."})

    # then
    assert response.status_code == status
    assert response.json()["code"] == code
    medium.refresh_from_db()
    assert medium.status == ApplicationStatus.IN_REVIEW
    assert not medium.messages.exists()


def test_a_file_waiting_on_the_applicant_cannot_be_decided(medium, assignee, client_for):
    # given
    application_request_info(actor=assignee, application_id=medium.pk, message="Send the lease.")

    # when
    response = client_for(assignee).post(url(medium, "decide"), {"decision": "approve", "reason": "Fine."})

    # then
    assert response.status_code == 409
    assert response.json()["code"] == ErrorCode.INVALID_TRANSITION
    medium.refresh_from_db()
    assert medium.status == ApplicationStatus.INFO_REQUESTED
    assert not Review.objects.exists()


def test_resubmitting_resumes_the_clock_and_moves_the_due_date_by_the_working_days_paused(
    clock, medium, assignee, owner, client_for
):
    # given: due ten working days after Wednesday 16 September, i.e. Wednesday 30 September
    due = medium.due_at
    assert due == dt.datetime(2026, 9, 30, 10, 30, tzinfo=ALMATY)
    # and: information requested on Thursday
    clock.move_to(THURSDAY)
    asked = client_for(assignee).post(url(medium, "request-info"), {"message": "Send the lease."})
    assert asked.status_code == 200, asked.json()

    # when: the applicant answers the following Tuesday (Friday, Monday, Tuesday: three working days)
    clock.move_to(NEXT_TUESDAY)
    applicant = client_for(owner)
    response = applicant.post(url(medium, "resubmit"), {"message": "Lease attached."})

    # then: back in review, due three working days later (Monday 5 October), clock running
    body = response.json()
    assert response.status_code == 200, body
    assert (body["status"], body["stage"]) == ("in_review", "review")
    moved = dt.datetime.fromisoformat(body["due_at"])
    assert moved == add_working_days(due, 3) == dt.datetime(2026, 10, 5, 10, 30, tzinfo=ALMATY)
    medium.refresh_from_db()
    assert (medium.due_at, medium.paused_at) == (moved, None)
    # and: the answer is in the thread and the assigned official is told
    thread = applicant.get(url(medium, "messages")).json()["results"]
    assert [m["body"] for m in thread] == ["Send the lease.", "Lease attached."]
    assert Notification.objects.filter(
        channel="in_app", recipient=assignee, event="application.resubmitted"
    ).exists()


@pytest.mark.parametrize(
    ("caller", "status", "code"),
    [
        ("other_entrepreneur", 404, "not_found"),
        ("assignee", 403, "not_the_applicant"),  # sees the file, so is told why, not that it is missing
        ("official_elsewhere", 404, "not_found"),
    ],
)
def test_only_the_applicant_resubmits(medium, assignee, client_for, caller, status, code):
    # given
    application_request_info(actor=assignee, application_id=medium.pk, message="Send the lease.")
    users = {
        "other_entrepreneur": EntrepreneurFactory(),
        "assignee": assignee,
        "official_elsewhere": official(AuthorityFactory()),
    }

    # when
    response = client_for(users[caller]).post(url(medium, "resubmit"), {"message": "Here."})

    # then
    assert (response.status_code, response.json()["code"]) == (status, code)
    medium.refresh_from_db()
    assert medium.status == ApplicationStatus.INFO_REQUESTED
    assert medium.paused_at is not None


def test_resubmitting_when_no_information_was_requested_is_refused(medium, owner, client_for):
    # given
    version, due = medium.version, medium.due_at

    # when
    response = client_for(owner).post(url(medium, "resubmit"), {"message": "Anything else?"})

    # then
    assert response.status_code == 409
    assert response.json()["code"] == ErrorCode.INVALID_TRANSITION
    medium.refresh_from_db()
    assert (medium.status, medium.version, medium.due_at) == (ApplicationStatus.IN_REVIEW, version, due)
    assert not medium.messages.exists()


# --- internal notes ------------------------------------------------------------------------------


def test_officials_cleared_for_the_file_write_and_read_notes_and_no_one_below(
    medium, authority, assignee, supervisor, client_for
):
    # given: a low-clearance official of the same authority, as well as the assignee and the supervisor
    junior = official(authority, low=True)

    # when
    written = [
        client_for(user).post(url(medium, "notes"), {"body": f"Note by {user.username}."})
        for user in (assignee, supervisor)
    ]
    listed = client_for(supervisor).get(url(medium, "notes"))
    junior_write = client_for(junior).post(url(medium, "notes"), {"body": "Peeking."})
    junior_read = client_for(junior).get(url(medium, "notes"))

    # then: notes follow the file's visibility; a medium file does not exist for a low-cleared official
    assert [r.status_code for r in written] == [201, 201], [r.json() for r in written]
    assert written[0].json()["author"] == assignee.username
    assert listed.status_code == 200
    assert [(n["author"], n["body"]) for n in listed.json()["results"]] == [
        (user.username, f"Note by {user.username}.") for user in (assignee, supervisor)
    ]
    assert (junior_write.status_code, junior_read.status_code) == (404, 404)


def test_an_empty_note_is_refused(medium, assignee, client_for):
    # given: a medium file in review with `assignee`
    client = client_for(assignee)

    # when
    response = client.post(url(medium, "notes"), {"body": ""})

    # then
    assert response.status_code == 400
    assert "body" in response.json()["fields"]
    assert not medium.internal_notes.exists()


@pytest.mark.parametrize(
    ("caller", "status"),
    # the applicant sees the file, so is told the notes are for officials (403), not that they are missing
    [("applicant", 403), ("other_entrepreneur", 404), ("official_elsewhere", 404), ("anonymous", 401)],
)
def test_outsiders_neither_read_nor_write_notes(medium, assignee, owner, client_for, caller, status):
    # given
    client_for(assignee).post(url(medium, "notes"), {"body": "The owner is known to us."})
    users = {
        "applicant": owner,
        "other_entrepreneur": EntrepreneurFactory(),
        "official_elsewhere": official(AuthorityFactory()),
        "anonymous": None,
    }
    client = client_for(users[caller])

    # when
    read = client.get(url(medium, "notes"))
    write = client.post(url(medium, "notes"), {"body": "Let me in."})

    # then
    assert (read.status_code, write.status_code) == (status, status)
    assert "The owner is known to us." not in read.content.decode()
    assert list(medium.internal_notes.values_list("body", flat=True)) == ["The owner is known to us."]


def test_notes_never_appear_in_the_thread_or_the_application(medium, assignee, owner, client_for):
    # given
    secret = "Owner was fined in 2024; check carefully."
    assert client_for(assignee).post(url(medium, "notes"), {"body": secret}).status_code == 201
    client_for(assignee).post(url(medium, "request-info"), {"message": "Send the lease."})

    # when: everything either side reads about the file
    reads = [
        client.get(path)
        for client in (client_for(owner), client_for(assignee))
        for path in (url(medium, "messages"), f"{API}/applications/{medium.pk}/", f"{API}/applications/")
    ]

    # then
    assert all(r.status_code == 200 for r in reads)
    assert all(secret not in r.content.decode() for r in reads)
    assert "Send the lease." in reads[0].content.decode()


# --- conflicts of interest -----------------------------------------------------------------------

CONFLICTS = f"{API}/review/conflicts/"


def test_an_official_declares_a_link_once(assignee, business, client_for):
    # given
    client = client_for(assignee)

    # when
    first = client.post(CONFLICTS, {"business": business.pk, "reason": "My cousin owns it."})
    again = client.post(CONFLICTS, {"business": business.pk, "reason": "Still my cousin."})

    # then
    body = first.json()
    assert first.status_code == 201, body
    assert (body["official"], body["business"]["id"], body["source"]) == (
        assignee.username,
        business.pk,
        "declared",
    )
    assert body["reason"] == "My cousin owns it."
    assert again.status_code == 409
    assert again.json()["code"] == PermitErrorCode.ALREADY_DECLARED
    link = ConflictOfInterest.objects.get()
    assert (link.official, link.recorded_by, link.source) == (assignee, assignee, ConflictSource.DECLARED)


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"business": 999_999, "reason": "Link."}, "business"), ({"business": None, "reason": ""}, "reason")],
)
def test_a_declaration_names_a_real_business_and_a_reason(assignee, business, client_for, payload, field):
    # given
    if payload["business"] is None:
        payload = {**payload, "business": business.pk}

    # when
    response = client_for(assignee).post(CONFLICTS, payload, format="json")

    # then
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not ConflictOfInterest.objects.exists()


def test_a_non_official_cannot_declare_or_list_links(owner, business, client_for, api_client):
    # given
    client = client_for(owner)

    # when
    declared = client.post(CONFLICTS, {"business": business.pk, "reason": "Me."})
    listed = client.get(CONFLICTS)
    anonymous = api_client.get(CONFLICTS)

    # then
    assert (declared.status_code, declared.json()["code"]) == (403, "not_an_official")
    assert (listed.status_code, listed.json()["code"]) == (403, "not_an_official")
    assert anonymous.status_code == 401
    assert not ConflictOfInterest.objects.exists()


def test_declaring_a_link_hands_the_open_file_to_another_eligible_official(
    medium, authority, assignee, business, client_for
):
    # given: a colleague who could take the file
    colleague = official(authority)
    client = client_for(assignee)

    # when
    declared = client.post(CONFLICTS, {"business": business.pk, "reason": "I advised them last year."})

    # then: the file moved at once
    assert declared.status_code == 201, declared.json()
    medium.refresh_from_db()
    assert (medium.status, medium.assigned_to) == (ApplicationStatus.IN_REVIEW, colleague)
    moved = events("application.reassigned", medium).get()
    assert (moved.data["from"], moved.data["to"]) == (assignee.username, colleague.username)
    assert Notification.objects.filter(
        channel="in_app", recipient=colleague, event="application.reassigned"
    ).exists()
    # and: the declarer can no longer decide it
    decided = client.post(url(medium, "decide"), {"decision": "approve", "reason": "Fine."})
    assert decided.status_code == 404
    assert decided.json()["code"] == ErrorCode.NOT_FOUND  # a link takes the file away, not only the decision
    assert not Review.objects.exists()


def test_declaring_a_link_with_nobody_else_eligible_unassigns_and_tells_the_supervisors(
    medium, assignee, supervisor, business, client_for
):
    # given: the assignee is the only official who could review it
    client = client_for(assignee)

    # when
    declared = client.post(CONFLICTS, {"business": business.pk, "reason": "My sister is a partner."})

    # then: unassigned, supervisors told, and the declarer cannot decide it
    assert declared.status_code == 201, declared.json()
    medium.refresh_from_db()
    assert medium.assigned_to is None
    told = Notification.objects.get(channel="in_app", event="application.no_eligible_official")
    assert (told.recipient, told.payload["reference"]) == (supervisor, medium.reference)
    decided = client.post(url(medium, "decide"), {"decision": "approve", "reason": "Fine."})
    assert decided.status_code == 404
    assert decided.json()["code"] == ErrorCode.NOT_FOUND  # a link takes the file away, not only the decision
    assert not Review.objects.exists()


def test_a_file_unassigned_by_a_conflict_can_be_claimed_by_an_eligible_official(
    medium, authority, assignee, business, client_for
):
    # given: the only eligible official declared a link, so the file waits unassigned in review
    assert (
        client_for(assignee).post(CONFLICTS, {"business": business.pk, "reason": "Family."}).status_code
        == 201
    )
    newcomer = official(authority)

    # when
    response = client_for(newcomer).post(url(medium, "claim"))

    # then
    assert response.status_code == 200, response.json()
    assert response.json()["assigned_to"] == newcomer.username


def test_a_supervisor_records_a_link_found_for_an_official_of_the_authority(
    medium, assignee, supervisor, business, client_for
):
    # given: the assignee's open file belongs to `business`
    assert medium.assigned_to == assignee

    # when
    response = client_for(supervisor).post(
        CONFLICTS,
        {
            "business": business.pk,
            "reason": "Found in the registry: co-founder.",
            "official": assignee.username,
        },
    )

    # then
    body = response.json()
    assert response.status_code == 201, body
    assert (body["official"], body["source"]) == (assignee.username, "found")
    link = ConflictOfInterest.objects.get()
    assert (link.official, link.recorded_by, link.source) == (assignee, supervisor, ConflictSource.FOUND)
    # and: the file is taken off the linked official
    medium.refresh_from_db()
    assert medium.assigned_to is None


def test_a_non_supervisor_cannot_record_a_link_for_someone_else(authority, assignee, business, client_for):
    # given
    colleague = official(authority)

    # when
    response = client_for(colleague).post(
        CONFLICTS, {"business": business.pk, "reason": "I heard so.", "official": assignee.username}
    )

    # then
    assert response.status_code == 403
    assert response.json()["code"] == PermitErrorCode.NOT_A_SUPERVISOR
    assert not ConflictOfInterest.objects.exists()


def test_a_supervisor_cannot_record_a_link_for_an_official_of_another_authority(
    supervisor, business, client_for
):
    # given
    outsider = official(AuthorityFactory())

    # when
    response = client_for(supervisor).post(
        CONFLICTS, {"business": business.pk, "reason": "Found.", "official": outsider.username}
    )

    # then
    assert response.status_code == 400
    assert "official" in response.json()["fields"]
    assert not ConflictOfInterest.objects.exists()


def test_officials_see_their_own_links_and_supervisors_the_whole_authority(
    authority, assignee, supervisor, client_for
):
    # given: links of two officials of this authority and one of another authority
    colleague = official(authority)
    outsider = official(AuthorityFactory())
    for user in (assignee, colleague, outsider):
        business = EntrepreneurFactory().memberships.get().business
        response = client_for(user).post(CONFLICTS, {"business": business.pk, "reason": "Family."})
        assert response.status_code == 201, response.json()

    # when
    own = client_for(assignee).get(CONFLICTS).json()
    everyone = client_for(supervisor).get(CONFLICTS).json()

    # then
    assert [c["official"] for c in own["results"]] == [assignee.username]
    assert own["count"] == 1
    assert sorted(c["official"] for c in everyone["results"]) == sorted(
        [assignee.username, colleague.username]
    )
