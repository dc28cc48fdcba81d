"""Racing decisions on real PostgreSQL: transitions lock the application row, so fifty officials'
requests released at once yield one decision, one review and at most one permit; everyone else gets
a clear 409. A supervisor reassigning while the official decides never leaves two reviews either."""

from __future__ import annotations

import pytest

from permits.models import ApplicationStatus, Permit, Review
from portal.audit.models import AuditEvent
from tests.concurrency import race
from tests.factories import AuthorityFactory, EntrepreneurFactory, OfficialProfileFactory
from tests.permits.factories import LegalActFactory, LicenceTypeFactory, submit

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 50
API = "/api/v1/applications"


def world(tier: str = "medium"):
    """A file of `tier` in review: (application, assignee, colleague, third official, supervisor).

    Every official is cleared for the tier; the assignee has the lowest id, so gets the file."""
    authority = AuthorityFactory()
    clearance = {"high": True} if tier == "high" else {}
    assignee = OfficialProfileFactory(authority=authority, **clearance).user
    colleague = OfficialProfileFactory(authority=authority, **clearance).user
    third = OfficialProfileFactory(authority=authority, **clearance).user
    supervisor = OfficialProfileFactory(authority=authority, supervisor=True).user
    owner = EntrepreneurFactory()
    application = submit(LicenceTypeFactory(authority=authority, **clearance), owner)
    assert (application.status, application.assigned_to) == (ApplicationStatus.IN_REVIEW, assignee)
    assert application.risk_tier == tier
    return application, assignee, colleague, third, supervisor


def decide_call(client, application, payload):
    return lambda: client.post(f"{API}/{application.pk}/decide/", payload, format="json")


def reassign_call(client, application, to):
    return lambda: client.post(
        f"{API}/{application.pk}/reassign/", {"to": to.username, "reason": "Workload."}, format="json"
    )


def test_fifty_concurrent_approvals_make_one_decision_and_one_permit(client_for):
    # given: fifty clients of the assigned official, each with its own token
    application, assignee, *_ = world()
    payload = {"decision": "approve", "reason": "Premises and staff fit."}
    calls = [decide_call(client_for(assignee), application, payload) for _ in range(THREADS)]

    # when
    results = race(calls)

    # then: one success; the rest are told it changed meanwhile
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * (THREADS - 1), results
    assert {body["code"] for status, body in results if status == 409} <= {"conflict", "invalid_transition"}
    winner = next(body for status, body in results if status == 200)
    assert winner["status"] == "approved"
    # and: exactly one permit, one review, one approval in the audit trail
    assert Permit.objects.filter(application=application).count() == 1
    assert Review.objects.filter(application=application).count() == 1
    assert winner["permit"]["number"] == Permit.objects.get(application=application).number
    approvals = AuditEvent.objects.filter(action="application.approved", object_id=str(application.pk))
    assert approvals.count() == 1
    application.refresh_from_db()
    assert (application.status, application.version) == (ApplicationStatus.APPROVED, winner["version"])


def test_fifty_concurrent_approvals_and_rejections_make_one_decision(client_for):
    # given: half the clients approve, half reject (with a legal basis)
    application, assignee, *_ = world()
    act = LegalActFactory()
    approve = {"decision": "approve", "reason": "All in order."}
    reject = {"decision": "reject", "reason": "Lease expired.", "legal_basis": act.code}
    calls = [
        decide_call(client_for(assignee), application, approve if i % 2 else reject) for i in range(THREADS)
    ]

    # when
    results = race(calls)

    # then: one success, whichever it was, and the file says what it decided
    successes = [body for status, body in results if status == 200]
    assert len(successes) == 1, results
    assert sorted(status for status, _ in results).count(409) == THREADS - 1
    assert {body["code"] for status, body in results if status == 409} <= {"conflict", "invalid_transition"}
    application.refresh_from_db()
    assert application.status == successes[0]["status"]
    assert Review.objects.filter(application=application).count() == 1
    permits = Permit.objects.filter(application=application).count()
    assert permits == (1 if application.status == ApplicationStatus.APPROVED else 0)


@pytest.mark.parametrize("round_", range(2))
def test_a_decision_racing_a_reassignment_never_leaves_two_reviews(client_for, round_):
    # given: the assigned official approving while their supervisor hands the file to a colleague
    application, assignee, colleague, _, supervisor = world()
    calls = [
        decide_call(client_for(assignee), application, {"decision": "approve", "reason": "Fine."}),
        reassign_call(client_for(supervisor), application, colleague),
    ]

    # when
    results = race(calls)

    # then: exactly one of them happened; the loser got a clear refusal
    statuses = sorted(status for status, _ in results)
    assert statuses in ([200, 403], [200, 409]), results
    application.refresh_from_db()
    reviews = Review.objects.filter(application=application)
    if application.status == ApplicationStatus.APPROVED:
        # the decision won: the reassignment found a decided file
        assert reviews.count() == 1
        assert reviews.get().reviewer == assignee
        assert application.assigned_to == assignee
        assert Permit.objects.filter(application=application).count() == 1
        assert {body.get("code") for status, body in results if status != 200} == {"conflict"}
    else:
        # the reassignment won: the former assignee may no longer decide
        assert application.status == ApplicationStatus.IN_REVIEW
        assert application.assigned_to == colleague
        assert not reviews.exists()
        assert not Permit.objects.exists()
        assert {body.get("code") for status, body in results if status != 200} == {"not_assigned"}


@pytest.mark.parametrize("round_", range(2))
def test_a_first_stage_approval_racing_a_reassignment_never_leaves_two_reviews(client_for, round_):
    # given: a high-risk file; its first reviewer approves while the supervisor hands it to a colleague
    application, first, _, third, supervisor = world("high")
    calls = [
        decide_call(client_for(first), application, {"decision": "approve", "reason": "First look fine."}),
        reassign_call(client_for(supervisor), application, third),
    ]

    # when
    results = race(calls)

    # then: at most the one first-stage review, by the official who held the file; nothing issued
    application.refresh_from_db()
    reviews = list(Review.objects.filter(application=application).values_list("stage", "reviewer"))
    assert len(reviews) <= 1, reviews
    assert not Permit.objects.exists()
    if reviews:
        # the approval came first (second stage to `second`); the supervisor then moved it to `third`
        assert reviews == [("first", first.pk)]
        assert (application.status, application.assigned_to) == (ApplicationStatus.SECOND_REVIEW, third)
        assert sorted(status for status, _ in results) == [200, 200], results
    else:
        # the reassignment came first: the former holder may no longer decide
        assert (application.status, application.assigned_to) == (ApplicationStatus.IN_REVIEW, third)
        assert sorted(status for status, _ in results) == [200, 403], results
        assert {body.get("code") for status, body in results if status == 403} == {"not_assigned"}
