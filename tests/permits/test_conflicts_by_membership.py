"""A link to a business is a conflict by rule, whether declared or by membership, and it takes the
file away: no assignment, claim, reassignment or decision, no reading, no notes; and the permits list
follows the same clearance rule as the applications. A member keeps their business's files only as
one of its applicants: every official's action on them is a 403 `conflict_of_interest`."""

# ruff: noqa: F811  (the shared fixtures are imported, then asked for by name)
from __future__ import annotations

import pytest

from permits.models import ApplicationStatus
from portal.accounts.models import Membership, MembershipRole
from portal.accounts.services import membership_add
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.factories import EntrepreneurFactory
from tests.permits.factories import decide, submit
from tests.permits.test_review_assignment import (  # noqa: F401  (fixtures)
    API,
    authority,
    business_of,
    clock,
    declare,
    high_type,
    medium_type,
    official,
)

pytestmark = pytest.mark.django_db


def join(user, business):
    Membership.objects.create(user=user, business=business)


def test_a_member_of_the_business_is_never_auto_assigned_as_second_reviewer(clock, authority, high_type):
    # given: two high-cleared officials, the second a member of the applicant business
    first = official(authority, high=True)
    owner_application = submit(high_type, clock=clock)
    member = official(authority, high=True)
    join(member, owner_application.business)
    assert owner_application.assigned_to == first

    # when: the first reviewer approves
    application = decide(owner_application, first, reason="Sound.")

    # then: nobody eligible is left; the member is not the second pair of eyes
    assert (application.status, application.assigned_to) == (ApplicationStatus.SECOND_REVIEW, None)


def test_a_member_official_cannot_claim_or_be_reassigned(clock, authority, medium_type, client_for):
    # given: the only non-supervisor official is a member of the business, so the file waits
    member = official(authority)
    supervisor = official(authority, supervisor=True)
    owner = EntrepreneurFactory()
    join(member, business_of(owner))
    application = submit(medium_type, owner, clock=clock)

    # when
    claimed = client_for(member).post(f"{API}/{application.pk}/claim/")
    reassigned = client_for(supervisor).post(
        f"{API}/{application.pk}/reassign/", {"to": member.username, "reason": "Short of staff."}
    )

    # then
    assert (claimed.status_code, claimed.json()["code"]) == (403, "conflict_of_interest")
    assert (reassigned.status_code, reassigned.json()["code"]) == (403, "conflict_of_interest")
    application.refresh_from_db()
    assert application.assigned_to is None


def test_a_declared_link_hides_the_file_and_refuses_notes(clock, authority, medium_type, client_for):
    # given: the assigned official declares a link (nobody else can take it)
    linked = official(authority)
    application = submit(medium_type, clock=clock)
    declare(linked, application.business)
    client = client_for(linked)

    # when
    detail = client.get(f"{API}/{application.pk}/")
    listed = client.get(f"{API}/")
    notes = client.get(f"{API}/{application.pk}/notes/")
    noted = client.post(f"{API}/{application.pk}/notes/", {"body": "Looks fine to me."})
    queue = client.get("/api/v1/review/queue/")

    # then
    assert (detail.status_code, notes.status_code, noted.status_code) == (404, 404, 404)
    assert application.pk not in [row["id"] for row in listed.json()["results"]]
    assert application.pk not in [row["id"] for row in queue.json()["results"]]
    assert not application.internal_notes.exists()


def test_the_permits_list_keeps_to_the_official_clearance(clock, authority, high_type, client_for):
    # given: a high-tier permit, issued after two high-cleared reviews
    first = official(authority, high=True)
    application = submit(high_type, clock=clock)
    second = official(authority, high=True)
    decide(application, first, reason="Sound.")
    decide(application, second, reason="Agreed.")
    number = application.__class__.objects.get(pk=application.pk).permit.number
    medium_cleared = official(authority)

    # when
    seen_by_medium = client_for(medium_cleared).get("/api/v1/permits/").json()["results"]
    seen_by_high = client_for(second).get("/api/v1/permits/").json()["results"]

    # then: the medium-cleared official, who gets 404 on the application, does not list its permit
    assert client_for(medium_cleared).get(f"{API}/{application.pk}/").status_code == 404
    assert number not in [p["number"] for p in seen_by_medium]
    assert number in [p["number"] for p in seen_by_high]


def test_an_assignee_who_joins_the_business_keeps_the_file_only_as_its_applicant(
    clock, authority, medium_type, client_for
):
    # given: the file is assigned to an official, who then becomes a member of the applicant business
    assignee = official(authority)
    application = submit(medium_type, clock=clock)
    assert application.assigned_to == assignee
    join(assignee, application.business)
    client = client_for(assignee)

    # when: they act on it as its official
    decided = client.post(f"{API}/{application.pk}/decide/", {"decision": "approve", "reason": "Fine."})
    asked = client.post(f"{API}/{application.pk}/request-info/", {"message": "Send the lease."})
    noted = client.post(f"{API}/{application.pk}/notes/", {"body": "Looks fine to me."})
    notes = client.get(f"{API}/{application.pk}/notes/")

    # then: each is refused for the link, though they still read the file as one of its applicants
    codes = [(r.status_code, r.json()["code"]) for r in (decided, asked, noted, notes)]
    assert codes == [(403, "conflict_of_interest")] * 4
    assert client.get(f"{API}/{application.pk}/").status_code == 200
    application.refresh_from_db()
    assert (application.status, application.reviews.exists()) == (ApplicationStatus.IN_REVIEW, False)
    assert not application.messages.exists()
    assert not application.internal_notes.exists()


def test_an_assignee_made_a_member_through_the_service_loses_the_file_to_the_next_official(
    clock, authority, medium_type
):
    # given: the file is assigned to the first official; a second one is free to take it
    assignee = official(authority)
    application = submit(medium_type, clock=clock)
    colleague = official(authority)
    assert application.assigned_to == assignee

    # when: the assignee is made a member of the applicant business
    membership_add(actor=None, user=assignee, business=application.business, role=MembershipRole.MEMBER)

    # then: the file moves on at once, in the same transaction, with its reason on record
    application.refresh_from_db()
    assert application.assigned_to == colleague
    event = AuditEvent.objects.filter(action="application.reassigned", object_id=str(application.pk)).get()
    assert event.data["reason"] == "became a member of the business"


def test_the_only_official_made_a_member_leaves_the_file_waiting_and_the_supervisors_told(
    clock, authority, medium_type
):
    # given: one official besides the supervisor, who holds the file
    assignee = official(authority)
    supervisor = official(authority, supervisor=True)
    application = submit(medium_type, clock=clock)
    assert application.assigned_to == assignee

    # when
    membership_add(actor=None, user=assignee, business=application.business, role=MembershipRole.MEMBER)

    # then: nobody eligible is left, so the file waits for a claim and the supervisor hears of it
    application.refresh_from_db()
    assert application.assigned_to is None
    told = Notification.objects.filter(recipient=supervisor, event="application.no_eligible_official")
    assert told.exists()
