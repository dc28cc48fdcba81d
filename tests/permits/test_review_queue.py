"""The official's review queue, `GET /api/v1/review/queue/`, over real HTTP.

What it must show (issue 4, DESIGN §5 and §7): the caller's authority's open files and pending
post-issue checks, never above their clearance, never drafts, never decided files (unless a
post-issue check is pending), oldest submission first; filters by tier, status and assignee;
a 400 naming a bad parameter; a 403 `not_an_official` for everyone who is not an official; pages;
and the same number of SQL queries whatever the page holds.

Every state is reached through the services (submission, decision, information request,
withdrawal), at fixed moments set with time-machine; the requests run at the real time, with tokens
issued at that time.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from permits.errors import PermitErrorCode
from permits.models import Application, ApplicationStatus, Comparison, Tier
from permits.services.applications import application_withdraw
from permits.services.catalogue import risk_rule_add, rule_set_publish
from permits.services.review import application_request_info
from portal.api.errors import ErrorCode
from tests.factories import (
    AuthorityFactory,
    CouncilMemberFactory,
    EntrepreneurFactory,
    OfficialProfileFactory,
    UserFactory,
)
from tests.permits.factories import (
    DraftApplicationFactory,
    LicenceTypeFactory,
    QuestionFactory,
    RiskRuleSetFactory,
    base_reason,
    decide,
    submit,
)

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/review/queue/"
ALMATY = ZoneInfo("Asia/Almaty")
# Monday 14 September 2026, 09:00 in Almaty: the first submission of the day.
T0 = dt.datetime(2026, 9, 14, 9, 0, tzinfo=ALMATY)
PYROTECHNICS = "Pyrotechnics on stage"
# The medium files answer the optional pyrotechnics question: left out, it would count as a "yes".
NO_PYROTECHNICS = {"pyrotechnics": False}
ITEM_FIELDS = {
    "kind",
    "id",
    "reference",
    "business",
    "licence_type",
    "status",
    "stage",
    "risk_tier",
    "risk_reasons",
    "submitted_at",
    "due_at",
    "decided_at",
    "assigned_to",
    "version",
    "permit",
}


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def refs(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["reference"] for item in response.json()["results"]]


@pytest.fixture
def world(settings):
    """The culture authority's work on Monday 14 September 2026, and one file of another authority.

    Submission times are not in creation order, so that only `submitted_at` can explain the order.
    """
    settings.PORTAL_POST_CHECK_SHARE = 0.0
    culture = AuthorityFactory(code="culture")
    cinema = AuthorityFactory(code="cinema")
    pyrotechnics = QuestionFactory(key="pyrotechnics")
    low_type = LicenceTypeFactory(code="street-art-notice", authority=culture, low=True)
    medium_type = LicenceTypeFactory(code="concert-permit", authority=culture, asks=[(pyrotechnics, False)])
    foreign_type = LicenceTypeFactory(code="film-shoot-permit", authority=cinema)
    rule_set = RiskRuleSetFactory()
    admin = UserFactory(username="catalogue-admin")
    risk_rule_add(
        actor=admin,
        rule_set=rule_set,
        question_key="pyrotechnics",
        comparison=Comparison.EQUALS,
        value=True,
        raises_to=Tier.HIGH,
        reason=PYROTECHNICS,
    )
    rule_set_publish(actor=admin, rule_set=rule_set)
    w = SimpleNamespace(culture=culture, low_type=low_type, medium_type=medium_type)

    # Submitted before anyone could review it: it waits, unassigned.
    w.waiting = submit(medium_type, at=at(0), answers=NO_PYROTECHNICS)

    reviewer = OfficialProfileFactory(user__username="culture-reviewer", authority=culture).user
    senior = OfficialProfileFactory(user__username="culture-senior", authority=culture, high=True).user
    w.clerk = OfficialProfileFactory(user__username="culture-clerk", authority=culture, low=True).user
    w.supervisor = OfficialProfileFactory(
        user__username="culture-supervisor", authority=culture, supervisor=True
    ).user
    OfficialProfileFactory(user__username="cinema-reviewer", authority=cinema)
    w.reviewer, w.senior = reviewer, senior

    # Assignment goes to the least-loaded official, ties to the older account (the reviewer); each
    # official acts on their oldest file, so no decision below needs an out-of-order reason.
    w.decided = submit(medium_type, at=at(0.5), answers=NO_PYROTECHNICS)  # to the reviewer, then approved
    with time_machine.travel(at(9), tick=False):
        decide(w.decided, reason="All in order.")
    w.asked = submit(medium_type, at=at(4), answers=NO_PYROTECHNICS)  # to the reviewer, who asks for more
    with time_machine.travel(at(9.5), tick=False):
        application_request_info(
            actor=w.asked.assigned_to, application_id=w.asked.pk, message="Send the venue's floor plan."
        )
    w.fireworks = submit(medium_type, at=at(3), answers={"pyrotechnics": True})  # high: to the senior
    w.studio = submit(medium_type, at=at(1), answers=NO_PYROTECHNICS)  # to the reviewer (1 open file each)
    w.gallery = submit(medium_type, at=at(2), answers=NO_PYROTECHNICS)  # to the senior (1 against 2)
    w.quiet_notice = submit(low_type, at=at(6))  # approved at once, not drawn for a check
    settings.PORTAL_POST_CHECK_SHARE = 1.0
    w.notice = submit(low_type, at=at(5))  # approved at once, drawn for a post-issue check
    settings.PORTAL_POST_CHECK_SHARE = 0.0
    w.withdrawn = submit(medium_type, at=at(7), answers=NO_PYROTECHNICS)
    with time_machine.travel(at(8), tick=False):
        application_withdraw(actor=w.withdrawn.created_by, application_id=w.withdrawn.pk)
    w.foreign = submit(foreign_type, at=at(0.25))
    w.draft = DraftApplicationFactory(licence_type=medium_type)
    for name in ("waiting", "fireworks", "decided", "studio", "gallery", "asked", "notice", "withdrawn"):
        getattr(w, name).refresh_from_db()
    return w


# --- what the queue holds ------------------------------------------------------------------------


def test_a_high_cleared_official_sees_the_authoritys_open_files_and_pending_checks_oldest_first(
    world, client_for
):
    # given: the world's files (see the fixture), in their statuses
    assert world.decided.status == ApplicationStatus.APPROVED
    assert world.asked.status == ApplicationStatus.INFO_REQUESTED
    assert world.withdrawn.status == ApplicationStatus.WITHDRAWN

    # when
    response = client_for(world.senior).get(QUEUE)

    # then: open files and the pending check, by submission time; no draft, no decided, withdrawn or
    # foreign file
    assert refs(response) == [
        world.waiting.reference,  # 09:00
        world.studio.reference,  # 10:00
        world.gallery.reference,  # 11:00
        world.fireworks.reference,  # 12:00
        world.asked.reference,  # 13:00
        world.notice.reference,  # 14:00 (approved, check pending)
    ]
    assert response.json()["count"] == 6


def test_a_medium_official_never_sees_a_high_risk_file(world, client_for):
    # given
    client = client_for(world.reviewer)

    # when
    everything = client.get(QUEUE)
    only_high = client.get(QUEUE, {"tier": "high"})

    # then
    assert world.fireworks.risk_tier == Tier.HIGH
    assert world.fireworks.reference not in refs(everything)
    assert refs(everything) == [
        world.waiting.reference,
        world.studio.reference,
        world.gallery.reference,
        world.asked.reference,
        world.notice.reference,
    ]
    assert refs(only_high) == []
    assert only_high.json()["count"] == 0


def test_a_low_cleared_official_sees_only_the_low_risk_checks(world, client_for):
    # when
    response = client_for(world.clerk).get(QUEUE)

    # then
    assert refs(response) == [world.notice.reference]


def test_a_file_submitted_to_another_authority_is_not_in_the_queue(world, client_for):
    # given: the foreign file is open and assigned in its own authority
    assert world.foreign.authority.code == "cinema"
    assert world.foreign.status == ApplicationStatus.IN_REVIEW

    # when
    culture_queue = refs(client_for(world.supervisor).get(QUEUE))
    cinema_queue = refs(client_for(world.foreign.assigned_to).get(QUEUE))

    # then
    assert world.foreign.reference not in culture_queue
    assert cinema_queue == [world.foreign.reference]


def test_files_submitted_at_the_same_moment_are_ordered_by_id(world, client_for):
    # given: two more files submitted at the very same instant as the oldest one
    twin_a = submit(world.medium_type, at=at(0), answers=NO_PYROTECHNICS)
    twin_b = submit(world.medium_type, at=at(0), answers=NO_PYROTECHNICS)
    assert twin_a.submitted_at == twin_b.submitted_at == world.waiting.submitted_at

    # when
    first_three = refs(client_for(world.senior).get(QUEUE))[:3]

    # then
    assert first_three == sorted(
        [world.waiting.reference, twin_a.reference, twin_b.reference],
        key=lambda ref: Application.objects.get(reference=ref).pk,
    )


def test_an_item_carries_what_the_official_works_from(world, client_for):
    # when
    items = {i["reference"]: i for i in client_for(world.senior).get(QUEUE).json()["results"]}

    # then: the high-risk file, with its tier's reasons, due date, business and assignee
    fireworks = items[world.fireworks.reference]
    assert set(fireworks) >= ITEM_FIELDS
    assert fireworks["kind"] == "review"
    assert fireworks["id"] == world.fireworks.pk
    assert fireworks["status"] == "in_review"
    assert fireworks["risk_tier"] == "high"
    concert_permit = world.fireworks.licence_type
    assert fireworks["risk_reasons"] == [base_reason(concert_permit), PYROTECHNICS]
    assert fireworks["licence_type"] == "concert-permit"
    business = world.fireworks.business
    assert fireworks["business"] == {"id": business.pk, "name": business.name, "bin": business.bin}
    assert fireworks["assigned_to"] == "culture-senior"
    assert dt.datetime.fromisoformat(fireworks["submitted_at"]) == at(3)
    # 15 working days from Monday 14 September 2026, 12:00
    assert dt.datetime.fromisoformat(fireworks["due_at"]) == dt.datetime(2026, 10, 5, 12, 0, tzinfo=ALMATY)
    assert fireworks["permit"] is None

    # and: the unassigned medium file, and the low-risk permit waiting for its check
    waiting = items[world.waiting.reference]
    assert (waiting["kind"], waiting["status"], waiting["risk_tier"]) == ("review", "submitted", "medium")
    assert waiting["assigned_to"] is None
    assert waiting["risk_reasons"] == [base_reason(concert_permit)]
    assert dt.datetime.fromisoformat(waiting["due_at"]) == dt.datetime(2026, 9, 28, 9, 0, tzinfo=ALMATY)
    notice = items[world.notice.reference]
    assert (notice["kind"], notice["status"], notice["risk_tier"]) == ("post_check", "approved", "low")
    assert notice["due_at"] is None
    assert notice["permit"]["number"] == world.notice.permit.number
    assert notice["licence_type"] == "street-art-notice"


# --- filters --------------------------------------------------------------------------------------


def test_the_tier_filter(world, client_for):
    # given
    client = client_for(world.senior)

    # when
    by_tier = {tier: refs(client.get(QUEUE, {"tier": tier})) for tier in ("low", "medium", "high")}

    # then
    assert by_tier == {
        "low": [world.notice.reference],
        "medium": [
            world.waiting.reference,
            world.studio.reference,
            world.gallery.reference,
            world.asked.reference,
        ],
        "high": [world.fireworks.reference],
    }


def test_the_status_filter(world, client_for):
    # given
    client = client_for(world.senior)

    # when
    submitted = refs(client.get(QUEUE, {"status": "submitted"}))
    asked = refs(client.get(QUEUE, {"status": "info_requested"}))
    approved = client.get(QUEUE, {"status": "approved"})
    second = refs(client.get(QUEUE, {"status": "second_review"}))

    # then: "approved" lists only the pending checks, never the decided file
    assert submitted == [world.waiting.reference]
    assert asked == [world.asked.reference]
    assert refs(approved) == [world.notice.reference]
    assert [i["kind"] for i in approved.json()["results"]] == ["post_check"]
    assert second == []


def test_the_assigned_filter(world, client_for):
    # given: the assignment service gave the reviewer two files and the senior two
    assert world.studio.assigned_to == world.asked.assigned_to == world.reviewer
    assert world.gallery.assigned_to == world.fireworks.assigned_to == world.senior
    client = client_for(world.reviewer)

    # when
    me = client.get(QUEUE, {"assigned": "me"})
    unassigned = refs(client.get(QUEUE, {"assigned": "unassigned"}))
    everything = refs(client.get(QUEUE, {"assigned": "all"}))
    senior_me = refs(client_for(world.senior).get(QUEUE, {"assigned": "me"}))

    # then: the unassigned list holds the file nobody could take and the check nobody holds yet
    assert refs(me) == [world.studio.reference, world.asked.reference]
    assert {i["assigned_to"] for i in me.json()["results"]} == {"culture-reviewer"}
    assert unassigned == [world.waiting.reference, world.notice.reference]
    assert everything == refs(client.get(QUEUE))
    assert world.gallery.reference in everything
    assert senior_me == [world.gallery.reference, world.fireworks.reference]


def test_filters_combine(world, client_for):
    # when
    response = client_for(world.senior).get(
        QUEUE, {"tier": "medium", "status": "in_review", "assigned": "unassigned"}
    )
    medium_in_review = client_for(world.senior).get(QUEUE, {"tier": "medium", "status": "in_review"})

    # then
    assert refs(response) == []
    assert refs(medium_in_review) == [world.studio.reference, world.gallery.reference]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"tier": "extreme"}, {"tier"}),
        ({"tier": "LOW"}, {"tier"}),
        ({"status": "draft"}, {"status"}),
        ({"status": "rejected"}, {"status"}),
        ({"status": "pending"}, {"status"}),
        ({"status": "withdrawn"}, {"status"}),
        ({"assigned": "someone"}, {"assigned"}),
        ({"assigned": "culture-reviewer"}, {"assigned"}),
        ({"tier": "x", "status": "y", "assigned": "z"}, {"tier", "status", "assigned"}),
    ],
)
def test_an_invalid_filter_is_a_400_naming_the_parameter(world, client_for, params, named):
    # when
    response = client_for(world.senior).get(QUEUE, params)

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == ErrorCode.INVALID
    assert set(body["fields"]) == named


# --- who may ask ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["entrepreneur", "council_member", "plain_user"])
def test_a_caller_who_is_not_an_official_gets_403(world, client_for, who):
    # given
    user = {
        "entrepreneur": EntrepreneurFactory,
        "council_member": lambda: CouncilMemberFactory().user,
        "plain_user": UserFactory,
    }[who]()

    # when
    response = client_for(user).get(QUEUE)

    # then
    assert response.status_code == 403
    assert response.json()["code"] == PermitErrorCode.NOT_AN_OFFICIAL


def test_an_anonymous_caller_gets_401(world, api_client):
    # when
    response = api_client.get(QUEUE)

    # then
    assert response.status_code == 401
    assert response.json()["code"] == ErrorCode.NOT_AUTHENTICATED


# --- pages and queries ----------------------------------------------------------------------------


def test_the_queue_is_paginated_and_the_pages_continue_the_order(world, client_for):
    # given
    client = client_for(world.senior)
    whole = refs(client.get(QUEUE))

    # when
    first = client.get(QUEUE, {"page_size": 4})
    second = client.get(QUEUE, {"page_size": 4, "page": 2})

    # then
    assert first.json()["count"] == second.json()["count"] == 6
    assert first.json()["previous"] is None
    assert first.json()["next"] is not None
    assert second.json()["next"] is None
    assert second.json()["previous"] is not None
    assert refs(first) + refs(second) == whole


@pytest.fixture
def crowded(settings):
    """An authority with two officials and nothing in its queue yet."""
    settings.PORTAL_POST_CHECK_SHARE = 1.0
    authority = AuthorityFactory(code="design")
    types = {
        "low": LicenceTypeFactory(authority=authority, low=True),
        "medium": LicenceTypeFactory(authority=authority),
        "high": LicenceTypeFactory(authority=authority, high=True),
    }
    senior = OfficialProfileFactory(authority=authority, high=True).user
    OfficialProfileFactory(authority=authority, high=True)
    return SimpleNamespace(types=types, senior=senior)


def count_queries(client, **params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE, {"page_size": 100, **params})
    assert response.status_code == 200, response.json()
    return len(queries), len(response.json()["results"])


def test_the_query_count_is_the_same_for_one_item_and_fifty(crowded, client_for):
    # given: one file in the queue
    submit(crowded.types["medium"], at=at(0))
    client = client_for(crowded.senior)
    one_queries, one_items = count_queries(client)

    # when: 49 more, of every kind: assigned and unassigned, each tier, checks with their permits
    tiers = ["low", "medium", "high"]
    for n in range(49):
        submit(crowded.types[tiers[n % 3]], at=at(1 + n))
    fifty_queries, fifty_items = count_queries(client)

    # then
    assert (one_items, fifty_items) == (1, 50)
    assert fifty_queries == one_queries
    results = client.get(QUEUE, {"page_size": 100}).json()["results"]
    assert {i["kind"] for i in results} == {"review", "post_check"}
    assert {i["assigned_to"] is None for i in results} == {True, False}
    assert {i["permit"] is None for i in results} == {True, False}
