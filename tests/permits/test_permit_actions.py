"""What officials do to a permit after issue, over real HTTP: suspend, reinstate, revoke, and the
post-issue check of a sampled low-risk permit (`POST /api/v1/permits/{number}/...`).

The rules (issue 4, DESIGN §5 and §7): only officials of the issuing authority act (the holder gets
403 `not_an_official`; anyone who cannot see the permit gets 404; anonymous callers 401); every
action carries a reason; the moves follow `permits.workflow.PERMIT_TRANSITIONS` and a wrong one is a
409 `invalid_transition`; each move is audited, tells the holder's members, and shows at once in
public verification and in the permits list. Permits are issued by submitting low-tier drafts
through the service; later states are reached through the services too.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from permits.errors import PermitErrorCode
from permits.models import Permit, PermitStatus, PostCheckStatus, Review
from permits.services.permits import permit_revoke, permit_suspend
from permits.services.review import conflict_declare
from permits.workflow import PERMIT_TRANSITIONS
from portal.api.errors import ErrorCode
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.factories import (
    AuthorityFactory,
    CouncilMemberFactory,
    EntrepreneurFactory,
    MembershipFactory,
    OfficialProfileFactory,
    UserFactory,
)
from tests.permits.factories import LicenceTypeFactory, submit

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
NOW = dt.datetime(2026, 10, 7, 10, 0, tzinfo=ALMATY)  # a Wednesday
TODAY = NOW.date()
PERMITS = "/api/v1/permits/"
ACTIONS = ("suspend", "reinstate", "revoke", "check")
# A body each action accepts, so that only the caller decides the answer.
VALID_BODY = {
    "suspend": {"reason": "Noise complaints under investigation."},
    "reinstate": {"reason": "Complaints resolved."},
    "revoke": {"reason": "Licence obtained with a forged lease."},
    "check": {"outcome": "passed", "reason": "Premises match the notification."},
}


@pytest.fixture(autouse=True)
def _now():
    """Every test runs on Wednesday 7 October 2026 (tokens are issued inside, so they are fresh)."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def world(settings):
    settings.PORTAL_POST_CHECK_SHARE = 0.0
    culture = AuthorityFactory(code="culture")
    cinema = AuthorityFactory(code="cinema")
    low_type = LicenceTypeFactory(code="street-art-notice", authority=culture, low=True)
    owner = EntrepreneurFactory(username="aigerim")
    holder = owner.memberships.get().business
    member = MembershipFactory(business=holder, user__username="bolat", role="member").user
    return SimpleNamespace(
        settings=settings,
        low_type=low_type,
        owner=owner,
        member=member,
        holder=holder,
        inspector=OfficialProfileFactory(user__username="culture-inspector", authority=culture).user,
        colleague=OfficialProfileFactory(user__username="culture-colleague", authority=culture).user,
        outsider=OfficialProfileFactory(user__username="cinema-senior", authority=cinema, high=True).user,
        stranger=EntrepreneurFactory(username="stranger"),
    )


def issue(world, *, sampled: bool = False) -> Permit:
    """A low-tier notification of the holder, submitted through the service: its permit is issued."""
    world.settings.PORTAL_POST_CHECK_SHARE = 1.0 if sampled else 0.0
    application = submit(world.low_type, world.owner, business=world.holder)
    permit = Permit.objects.get(application=application)
    assert permit.status == PermitStatus.ACTIVE
    assert permit.post_check_status == (PostCheckStatus.PENDING if sampled else PostCheckStatus.NOT_SAMPLED)
    return permit


@pytest.fixture
def permit(world) -> Permit:
    return issue(world)


@pytest.fixture
def sampled(world) -> Permit:
    return issue(world, sampled=True)


def post(client, permit: Permit, action: str, body: dict | None = None):
    return client.post(f"{PERMITS}{permit.number}/{action}/", body or {}, format="json")


def public_status(permit: Permit) -> str:
    response = APIClient().get(f"/api/v1/public/permits/{permit.number}/", {"code": permit.verification_code})
    assert response.status_code == 200, response.json()
    return response.json()["status"]


def events(permit: Permit) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type="permits.permit", object_id=str(permit.pk)).order_by("id")
    )


def notified(event: str) -> set[str]:
    return set(
        Notification.objects.filter(channel="in_app", event=event).values_list(
            "recipient__username", flat=True
        )
    )


def listed(client, permit: Permit) -> dict:
    response = client.get(PERMITS, {"page_size": 100})
    assert response.status_code == 200, response.json()
    return next(p for p in response.json()["results"] if p["number"] == permit.number)


# --- the moves -----------------------------------------------------------------------------------


def test_suspending_an_active_permit(world, permit, client_for):
    # given
    inspector = client_for(world.inspector)

    # when
    response = post(
        inspector,
        permit,
        "suspend",
        {"reason": "Noise complaints under investigation.", "until": "2026-11-02"},
    )

    # then: the permit is suspended until the date given, for the reason given
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["number"] == permit.number
    assert body["status"] == "suspended"
    assert body["status_reason"] == "Noise complaints under investigation."
    assert body["suspended_until"] == "2026-11-02"
    permit.refresh_from_db()
    assert (permit.status, permit.suspended_until) == (PermitStatus.SUSPENDED, dt.date(2026, 11, 2))

    # and: audited with its reason, and the holder's members are told
    suspended = [e for e in events(permit) if e.action == "permit.suspended"]
    assert len(suspended) == 1
    assert suspended[0].actor == world.inspector
    assert suspended[0].data["reason"] == "Noise complaints under investigation."
    assert (suspended[0].data["from"], suspended[0].data["to"]) == ("active", "suspended")
    assert notified("permit.suspended") == {"aigerim", "bolat"}

    # and: public verification and both permit lists show it
    assert public_status(permit) == "suspended"
    for client in (client_for(world.owner), inspector):
        row = listed(client, permit)
        assert row["status"] == "suspended"
        assert row["status_reason"] == "Noise complaints under investigation."
        assert row["suspended_until"] == "2026-11-02"


def test_a_suspension_without_an_end_date_is_open_ended(world, permit, client_for):
    # when
    response = post(client_for(world.inspector), permit, "suspend", {"reason": "Fire exits blocked."})

    # then
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "suspended"
    assert response.json()["suspended_until"] is None


def test_reinstating_a_suspended_permit(world, permit, client_for):
    # given
    permit_suspend(
        actor=world.inspector, number=permit.number, reason="Fire exits blocked.", until=dt.date(2026, 12, 1)
    )
    assert public_status(permit) == "suspended"

    # when
    response = post(client_for(world.colleague), permit, "reinstate", {"reason": "Fire exits cleared."})

    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "active"
    assert body["status_reason"] == "Fire exits cleared."
    assert body["suspended_until"] is None
    reinstated = [e for e in events(permit) if e.action == "permit.reinstated"]
    assert len(reinstated) == 1
    assert reinstated[0].actor == world.colleague
    assert reinstated[0].data["reason"] == "Fire exits cleared."
    assert notified("permit.reinstated") == {"aigerim", "bolat"}
    assert public_status(permit) == "active"
    assert listed(client_for(world.owner), permit)["status_reason"] == "Fire exits cleared."


@pytest.mark.parametrize("starting", ["active", "suspended"])
def test_revoking_an_active_or_suspended_permit(world, permit, client_for, starting):
    # given
    if starting == "suspended":
        permit_suspend(actor=world.inspector, number=permit.number, reason="Fire exits blocked.")

    # when
    response = post(client_for(world.inspector), permit, "revoke", {"reason": "Forged lease."})

    # then
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "revoked"
    assert response.json()["status_reason"] == "Forged lease."
    revoked = [e for e in events(permit) if e.action == "permit.revoked"]
    assert len(revoked) == 1
    assert (revoked[0].data["from"], revoked[0].data["reason"]) == (starting, "Forged lease.")
    assert notified("permit.revoked") == {"aigerim", "bolat"}
    assert public_status(permit) == "revoked"
    assert listed(client_for(world.owner), permit)["status"] == "revoked"


def test_the_table_of_permit_moves_is_the_one_the_design_states():
    # then: DESIGN §5, with expiry as the system's move
    assert set(PERMIT_TRANSITIONS) == {
        ("active", "suspended"),
        ("suspended", "active"),
        ("active", "revoked"),
        ("suspended", "revoked"),
        ("active", "expired"),
        ("suspended", "expired"),
    }


@pytest.mark.parametrize(
    ("starting", "action"),
    [
        ("active", "reinstate"),
        ("suspended", "suspend"),
        ("revoked", "suspend"),
        ("revoked", "reinstate"),
        ("revoked", "revoke"),
    ],
)
def test_a_move_the_table_does_not_allow_is_a_409(world, permit, client_for, starting, action):
    # given
    if starting == "suspended":
        permit_suspend(actor=world.inspector, number=permit.number, reason="Fire exits blocked.")
    if starting == "revoked":
        permit_revoke(actor=world.inspector, number=permit.number, reason="Forged lease.")
    before = len(events(permit))

    # when
    response = post(client_for(world.inspector), permit, action, VALID_BODY[action])

    # then: refused, and nothing changed or was recorded
    assert response.status_code == 409
    assert response.json()["code"] == ErrorCode.INVALID_TRANSITION
    permit.refresh_from_db()
    assert permit.status == starting
    assert len(events(permit)) == before
    assert public_status(permit) == starting


# --- who may act ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    ("caller", "status", "code"),
    [
        ("owner", 403, "not_an_official"),
        ("member", 403, "not_an_official"),
        ("outsider", 404, "not_found"),
        ("stranger", 404, "not_found"),
        ("council_member", 404, "not_found"),
        ("anonymous", 401, "not_authenticated"),
    ],
)
def test_only_officials_of_the_issuing_authority_act_on_a_permit(
    world, sampled, client_for, action, caller, status, code
):
    # given: a sampled permit, so that every action (the check too) would otherwise go through
    user = {
        "owner": world.owner,
        "member": world.member,
        "outsider": world.outsider,
        "stranger": world.stranger,
        "council_member": None,
        "anonymous": None,
    }[caller]
    if caller == "council_member":
        user = CouncilMemberFactory(user=UserFactory(username="council-member")).user
    before = len(events(sampled))

    # when
    response = post(client_for(user), sampled, action, VALID_BODY[action])

    # then
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    sampled.refresh_from_db()
    assert (sampled.status, sampled.post_check_status) == ("active", "pending")
    assert len(events(sampled)) == before
    assert not Review.objects.filter(application=sampled.application).exists()


# --- reasons and dates ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_every_action_needs_a_reason(world, sampled, client_for, action, reason):
    # given: a suspended copy for reinstatement, the sampled permit for the rest
    if action == "reinstate":
        permit_suspend(actor=world.inspector, number=sampled.number, reason="Fire exits blocked.")
    body = {k: v for k, v in VALID_BODY[action].items() if k != "reason"}
    if reason is not None:
        body["reason"] = reason
    before = len(events(sampled))

    # when
    response = post(client_for(world.inspector), sampled, action, body)

    # then
    assert response.status_code == 400
    assert response.json()["code"] == ErrorCode.INVALID
    assert "reason" in response.json()["fields"]
    assert len(events(sampled)) == before


@pytest.mark.parametrize("until", ["2026-10-06", "2025-01-01", "next week"])
def test_a_suspension_ends_on_a_valid_future_date(world, permit, client_for, until):
    # when
    response = post(
        client_for(world.inspector), permit, "suspend", {"reason": "Fire exits blocked.", "until": until}
    )

    # then
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"until"}
    permit.refresh_from_db()
    assert permit.status == PermitStatus.ACTIVE
    assert public_status(permit) == "active"


# --- post-issue checks ---------------------------------------------------------------------------


def queue_refs(client) -> list[str]:
    response = client.get("/api/v1/review/queue/", {"page_size": 100})
    assert response.status_code == 200, response.json()
    return [(i["reference"], i["kind"]) for i in response.json()["results"]]


def test_a_passed_check_is_recorded_and_leaves_the_queue(world, sampled, client_for):
    # given: the sampled permit waits in the authority's queue as a check
    inspector = client_for(world.inspector)
    reference = sampled.application.reference
    assert queue_refs(inspector) == [(reference, "post_check")]

    # when
    response = post(inspector, sampled, "check", {"outcome": "passed", "reason": "Premises match."})

    # then: a post-check review by the inspector, the permit marked passed, still active
    assert response.status_code == 200, response.json()
    assert response.json()["post_check_status"] == "passed"
    assert response.json()["status"] == "active"
    review = Review.objects.get(application=sampled.application)
    assert (review.stage, review.outcome, review.reviewer, review.reason) == (
        "post_check",
        "passed",
        world.inspector,
        "Premises match.",
    )
    sampled.refresh_from_db()
    sampled.application.refresh_from_db()
    assert sampled.post_check_status == PostCheckStatus.PASSED
    assert sampled.application.post_check_pending is False
    assert [e.action for e in events(sampled)][-1] == "permit.post_check_recorded"
    assert events(sampled)[-1].data["outcome"] == "passed"

    # and: the queue no longer lists it
    assert queue_refs(inspector) == []


def test_a_problem_found_can_suspend_the_permit(world, sampled, client_for):
    # when
    response = post(
        client_for(world.inspector),
        sampled,
        "check",
        {"outcome": "problem_found", "reason": "No fire extinguisher on site.", "suspend": True},
    )

    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["post_check_status"] == "problem_found"
    assert body["status"] == "suspended"
    assert body["status_reason"] == "Post-issue check: No fire extinguisher on site."
    review = Review.objects.get(application=sampled.application)
    assert (review.stage, review.outcome) == ("post_check", "problem_found")
    assert [e.action for e in events(sampled)][-2:] == ["permit.post_check_recorded", "permit.suspended"]
    assert notified("permit.suspended") == {"aigerim", "bolat"}
    assert public_status(sampled) == "suspended"
    assert listed(client_for(world.owner), sampled)["status_reason"] == (
        "Post-issue check: No fire extinguisher on site."
    )


def test_a_problem_found_without_suspension_leaves_the_permit_active(world, sampled, client_for):
    # when
    response = post(
        client_for(world.inspector),
        sampled,
        "check",
        {"outcome": "problem_found", "reason": "Signage missing."},
    )

    # then
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["post_check_status"]) == ("active", "problem_found")
    assert public_status(sampled) == "active"
    assert not notified("permit.suspended")


def test_a_passed_check_cannot_suspend(world, sampled, client_for):
    # when
    response = post(
        client_for(world.inspector),
        sampled,
        "check",
        {"outcome": "passed", "reason": "Fine.", "suspend": True},
    )

    # then: refused, and the check is still pending
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"suspend"}
    sampled.refresh_from_db()
    assert (sampled.status, sampled.post_check_status) == ("active", "pending")
    assert not Review.objects.filter(application=sampled.application).exists()


@pytest.mark.parametrize("outcome", ["fine", "", "approved"])
def test_a_check_outcome_is_passed_or_problem_found(world, sampled, client_for, outcome):
    # when
    response = post(client_for(world.inspector), sampled, "check", {"outcome": outcome, "reason": "Looked."})

    # then
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"outcome"}
    sampled.refresh_from_db()
    assert sampled.post_check_status == PostCheckStatus.PENDING


def test_a_second_check_is_a_409(world, sampled, client_for):
    # given
    first = post(
        client_for(world.inspector), sampled, "check", {"outcome": "passed", "reason": "Premises match."}
    )
    assert first.status_code == 200, first.json()

    # when
    second = post(
        client_for(world.colleague), sampled, "check", {"outcome": "problem_found", "reason": "Second look."}
    )

    # then
    assert second.status_code == 409
    assert second.json()["code"] == PermitErrorCode.NO_PENDING_CHECK
    assert Review.objects.filter(application=sampled.application).count() == 1
    sampled.refresh_from_db()
    assert sampled.post_check_status == PostCheckStatus.PASSED


def test_a_permit_not_drawn_for_a_check_cannot_be_checked(world, permit, client_for):
    # when
    response = post(client_for(world.inspector), permit, "check", VALID_BODY["check"])

    # then
    assert response.status_code == 409
    assert response.json()["code"] == PermitErrorCode.NO_PENDING_CHECK
    assert not Review.objects.filter(application=permit.application).exists()


def test_an_official_linked_to_the_holder_cannot_check_it(world, sampled, client_for):
    # given: the inspector declared a link to the holder
    conflict_declare(
        actor=world.inspector, official=world.inspector, business=world.holder, reason="My cousin's firm."
    )

    # when
    refused = post(client_for(world.inspector), sampled, "check", VALID_BODY["check"])
    by_colleague = post(client_for(world.colleague), sampled, "check", VALID_BODY["check"])

    # then: refused for the linked official; a colleague without a link records it
    assert refused.status_code == 404
    assert refused.json()["code"] == ErrorCode.NOT_FOUND  # a link takes the file away, not only the decision
    assert by_colleague.status_code == 200, by_colleague.json()
    assert Review.objects.get(application=sampled.application).reviewer == world.colleague


@pytest.mark.parametrize("action", ["suspend", "reinstate", "revoke"])
def test_an_official_linked_to_the_holder_cannot_act_on_its_permit(world, permit, client_for, action):
    # given: the inspector declared a link to the holder; a suspended permit for the reinstatement
    if action == "reinstate":
        permit_suspend(actor=world.colleague, number=permit.number, reason="Fire exits blocked.")
    conflict_declare(
        actor=world.inspector, official=world.inspector, business=world.holder, reason="My cousin's firm."
    )
    before = permit.status if action != "reinstate" else PermitStatus.SUSPENDED

    # when
    response = post(client_for(world.inspector), permit, action, VALID_BODY[action])

    # then: refused like the check, and the permit is as it was
    assert response.status_code == 404, response.json()
    assert response.json()["code"] == ErrorCode.NOT_FOUND  # a link takes the file away, not only the decision
    permit.refresh_from_db()
    assert permit.status == before
