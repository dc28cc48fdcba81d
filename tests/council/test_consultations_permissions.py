"""Who may do what, over every consultation endpoint (council/api/consultations), for every caller.

Each (endpoint, caller) cell of `EXPECTED` is its own test: a fresh world, one caller, one real HTTP
request. The world: a council (chair, secretary, plain member), a member of another council, an
entrepreneur (the "owner": author of the comments) with a business, another entrepreneur, an
official, API clients bound to the owner's business and unbound; and consultations in every state:
a draft, an open one, a closed one with an unanswered comment, a closed one whose comment is
answered, and one with its outcome published, each with a comment by the owner.

The rules the table encodes: the public reads what is public (a draft is a 404 outside its
council); any write needs a token (401); who may see a thing but may not do this to it gets a 403
whose code says why; a wrong state is a 409. A refused request changes nothing.

The two officials tied to the owner's business (`tests.matrix.tied_officials`: the member official,
a member of it, and the conflicted official, who declared a conflict of interest with it) are plain
officials here: a comment is its author's, not their business's, and no official acts on a
consultation, so neither tie opens or closes anything.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import time_machine
from django.db import transaction
from django.urls import resolve
from rest_framework.test import APIClient

from council.api.consultations import urlpatterns as consultation_urlpatterns
from council.errors import CouncilErrorCode
from council.models import (
    Comment,
    CommentResponse,
    Consultation,
    ConsultationVersion,
    CouncilRole,
    CouncilSubscription,
    Outcome,
)
from portal.api.errors import ErrorCode
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests import matrix
from tests.council.consultations_factories import ConsultationFactory, answer, seat
from tests.factories import ApiClientFactory, CouncilFactory, EntrepreneurFactory, OfficialProfileFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/council"
NOW = dt.datetime(2026, 3, 10, 5, 0, tzinfo=dt.UTC)  # a Tuesday, 10:00 in Almaty

COLUMNS = (
    "anonymous",
    "owner",  # the entrepreneur who wrote the comments
    "other_entrepreneur",
    "official",
    "member_official",  # an official, a member of the owner's business
    "conflicted_official",  # an official who declared a conflict with the owner's business
    "chair",
    "secretary",
    "member",  # a plain member of the council
    "foreign_member",  # a member of another council
    "bound_client",  # an API client bound to the owner's business
    "unbound_client",
)


@dataclass
class World:
    council: object
    business: object
    draft: Consultation
    open: Consultation
    closed: Consultation  # its comment unanswered
    answered: Consultation  # closed, its comment answered
    published: Consultation
    comments: dict[str, Comment]  # the owner's comment on each non-draft consultation, by state
    people: dict[str, object]

    def caller_of(self, user) -> str:
        return next(name for name, person in self.people.items() if person == user)


def build_world() -> World:
    council = CouncilFactory()
    people = {
        "chair": seat(council, CouncilRole.CHAIR),
        "secretary": seat(council, CouncilRole.SECRETARY),
        "member": seat(council, CouncilRole.MEMBER),
        "foreign_member": seat(CouncilFactory(), CouncilRole.SECRETARY),
    }
    owner = EntrepreneurFactory()
    business = owner.memberships.get().business
    by_owner = [(owner, "1")]
    consultations = {
        "draft": ConsultationFactory(council=council),
        "open": ConsultationFactory(council=council, open=True, comments=by_owner),
        "closed": ConsultationFactory(council=council, closed=True, comments=by_owner),
        "answered": ConsultationFactory(council=council, closed=True, comments=by_owner),
        "published": ConsultationFactory(council=council, published=True, comments=by_owner),
    }
    comments = {
        state: Comment.objects.get(consultation=c) for state, c in consultations.items() if state != "draft"
    }
    answer(comments["answered"], by=people["member"])
    people |= {
        "anonymous": None,
        "owner": owner,
        "other_entrepreneur": EntrepreneurFactory(),
        "official": OfficialProfileFactory().user,
        **matrix.tied_officials(business),
        "bound_client": ApiClientFactory(business=business).user,
        "unbound_client": ApiClientFactory().user,
    }
    return World(council=council, business=business, comments=comments, people=people, **consultations)


@pytest.fixture(scope="module")
def _the_world(django_db_setup, django_db_blocker):
    """Built once in a transaction rolled back at the end; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with time_machine.travel(NOW, tick=False):
                world = build_world()
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(_the_world, db) -> World:
    return copy.deepcopy(_the_world)


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


# --- the endpoints -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: Callable[[World], str]
    data: Callable[[World], dict] | None = None
    check: Callable[[World, object, object], object] = lambda w, user, response: None


def _c(state: str, action: str = "") -> Callable[[World], str]:
    return lambda w: f"{API}/consultations/{getattr(w, state).pk}/{action}"


def _comment(state: str, action: str = "") -> Callable[[World], str]:
    return lambda w: f"{API}/comments/{w.comments[state].pk}/{action}"


def results(response) -> list[dict]:
    body = response.json()
    assert set(body) >= {"count", "next", "previous", "results"}
    return body["results"]


MEMBERS = ("chair", "secretary", "member")


def check_list(w, user, response):
    ids = {c["id"] for c in results(response)}
    public = {w.open.pk, w.closed.pk, w.answered.pk, w.published.pk}
    assert ids == (public | {w.draft.pk} if w.caller_of(user) in MEMBERS else public)


def check_status(state: str, status: str) -> Callable:
    def check(w, user, response):
        assert response.json()["status"] == Consultation.objects.get(pk=getattr(w, state).pk).status == status

    return check


def check_created(w, user, response):
    body = response.json()
    assert (body["status"], body["council"]["id"], body["current_version"]) == ("draft", w.council.pk, 1)
    assert Consultation.objects.get(pk=body["id"]).created_by == user


def check_open_comments(w, user, response):
    # not public while open: the author sees their own, the council sees all, others nothing
    caller = w.caller_of(user)
    expected = [w.comments["open"].pk] if caller in ("owner", *MEMBERS) else []
    assert [c["id"] for c in results(response)] == expected


def check_comment_created(w, user, response):
    body = response.json()
    assert (body["section"], body["version"], body["body"]) == (
        "2",
        1,
        "Section 2 needs a transition period.",
    )
    assert Comment.objects.get(pk=body["id"]).author == user


def check_answered(state: str) -> Callable:
    def check(w, user, response):
        reply = CommentResponse.objects.get(comment=w.comments[state])
        assert response.json()["response"]["disposition"] == reply.disposition == "noted"
        assert reply.responder == user

    return check


def check_export(w, user, response):
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    caller = w.caller_of(user)
    assert lines[0].startswith("id,section,author")
    assert len(lines) == (2 if caller in ("owner", *MEMBERS) else 1)


ENDPOINTS: dict[str, Endpoint] = {
    "consultations_list": Endpoint("GET", lambda w: f"{API}/consultations/?page_size=100", check=check_list),
    "consultations_create": Endpoint(
        "POST",
        lambda w: f"{API}/consultations/",
        data=lambda w: {
            "council": w.council.pk,
            "title": "Street performances in Almaty",
            "summary": "Draft rules for busking in pedestrian zones.",
            "proposed_act_title": "Rules on street performances in Almaty",
            "sections": [{"number": "1", "heading": "Places", "text": "Arbat and the Green Bazaar square."}],
            "opens_at": "2026-03-20T09:00:00+05:00",
            "closes_at": "2026-04-10T18:00:00+05:00",
        },
        check=check_created,
    ),
    "draft_retrieve": Endpoint("GET", _c("draft"), check=lambda w, u, r: r.json()["status"] == "draft"),
    "open_retrieve": Endpoint(
        "GET", _c("open"), check=lambda w, u, r: r.json()["sections"][0]["number"] == "1"
    ),
    "draft_partial_update": Endpoint(
        "PATCH",
        _c("draft"),
        data=lambda w: {"title": "Renamed draft"},
        check=lambda w, u, r: (
            r.json()["title"] == Consultation.objects.get(pk=w.draft.pk).title == "Renamed draft"
        ),
    ),
    "open_partial_update": Endpoint("PATCH", _c("open"), data=lambda w: {"title": "Renamed"}),
    "draft_open": Endpoint("POST", _c("draft", "open/"), check=check_status("draft", "open")),
    "closed_open": Endpoint("POST", _c("closed", "open/")),
    "open_close": Endpoint("POST", _c("open", "close/"), check=check_status("open", "closed")),
    "answered_publish_outcome": Endpoint(
        "POST",
        _c("answered", "publish-outcome/"),
        data=lambda w: {"summary": "We raise the threshold."},
        check=lambda w, u, r: r.json()["outcome"]["answers"][0]["id"] == w.comments["answered"].pk,
    ),
    "closed_publish_outcome": Endpoint(
        "POST", _c("closed", "publish-outcome/"), data=lambda w: {"summary": "Too early."}
    ),
    "open_versions_create": Endpoint(
        "POST",
        _c("open", "versions/"),
        data=lambda w: {"sections": [{"number": "1", "text": "Revised scope."}], "note": "Scope narrowed."},
        check=lambda w, u, r: (r.json()["number"], r.json()["note"]) == (2, "Scope narrowed."),
    ),
    "published_versions_create": Endpoint(
        "POST", _c("published", "versions/"), data=lambda w: {"sections": [{"number": "1", "text": "Late."}]}
    ),
    "draft_version_retrieve": Endpoint(
        "GET", _c("draft", "versions/1/"), check=lambda w, u, r: r.json()["number"] == 1
    ),
    "open_version_retrieve": Endpoint(
        "GET", _c("open", "versions/1/"), check=lambda w, u, r: len(r.json()["sections"]) == 3
    ),
    "open_comments_list": Endpoint("GET", _c("open", "comments/"), check=check_open_comments),
    "draft_comments_list": Endpoint("GET", _c("draft", "comments/"), check=lambda w, u, r: results(r) == []),
    "closed_comments_list": Endpoint(
        "GET",
        _c("closed", "comments/"),
        check=lambda w, u, r: [c["id"] for c in results(r)] == [w.comments["closed"].pk],
    ),
    "open_comments_create": Endpoint(
        "POST",
        _c("open", "comments/"),
        data=lambda w: {"section": "2", "body": "Section 2 needs a transition period."},
        check=check_comment_created,
    ),
    "draft_comments_create": Endpoint(
        "POST", _c("draft", "comments/"), data=lambda w: {"section": "1", "body": "Early."}
    ),
    "closed_comments_create": Endpoint(
        "POST", _c("closed", "comments/"), data=lambda w: {"section": "1", "body": "Late."}
    ),
    "open_comment_partial_update": Endpoint(
        "PATCH",
        _comment("open"),
        data=lambda w: {"body": "Rewritten."},
        check=lambda w, u, r: (
            r.json()["body"] == Comment.objects.get(pk=w.comments["open"].pk).body == "Rewritten."
        ),
    ),
    "closed_comment_partial_update": Endpoint(
        "PATCH", _comment("closed"), data=lambda w: {"body": "Rewritten."}
    ),
    "open_comment_respond": Endpoint(
        "POST",
        _comment("open", "respond/"),
        data=lambda w: {"disposition": "noted", "reason": ""},
        check=check_answered("open"),
    ),
    "closed_comment_respond": Endpoint(
        "POST",
        _comment("closed", "respond/"),
        data=lambda w: {"disposition": "noted"},
        check=check_answered("closed"),
    ),
    "published_comment_respond": Endpoint(
        "POST", _comment("published", "respond/"), data=lambda w: {"disposition": "noted"}
    ),
    "open_export": Endpoint("GET", _c("open", "export.csv"), check=check_export),
    "draft_export": Endpoint("GET", _c("draft", "export.csv")),
    "subscription_create": Endpoint(
        "POST",
        lambda w: f"{API}/councils/{w.council.pk}/subscription/",
        check=lambda w, u, r: CouncilSubscription.objects.filter(council=w.council, user=u).count() == 1,
    ),
    "subscription_destroy": Endpoint(
        "DELETE",
        lambda w: f"{API}/councils/{w.council.pk}/subscription/",
        check=lambda w, u, r: not CouncilSubscription.objects.filter(council=w.council, user=u).exists(),
    ),
}

# A 403 or 409 cell names its code: "403m" not_council_member, "403o" not_council_officer,
# "403a" not_comment_author; "409t" invalid_transition, "409d" not_draft, "409n"
# consultation_not_open, "409p" outcome_published, "409u" unanswered_comments.
# fmt: off
EXPECTED: dict[str, tuple[int | str, ...]] = {
    #                                 anon owner   other   offic   m_off   c_off   chair   secr    member  foreign bound   unbnd
    "consultations_list":            (200, 200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "consultations_create":          (401, "403m", "403m", "403m", "403m", "403m", 201,    201,    "403o", "403m", "403m", "403m"),
    "draft_retrieve":                (404, 404,    404,    404,    404,    404,    200,    200,    200,    404,    404,    404),
    "open_retrieve":                 (200, 200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "draft_partial_update":          (401, 404,    404,    404,    404,    404,    200,    200,    "403o", 404,    404,    404),
    "open_partial_update":           (401, "403m", "403m", "403m", "403m", "403m", "409d", "409d", "403o", "403m", "403m", "403m"),
    "draft_open":                    (401, 404,    404,    404,    404,    404,    200,    200,    "403o", 404,    404,    404),
    "closed_open":                   (401, "403m", "403m", "403m", "403m", "403m", "409t", "409t", "403o", "403m", "403m", "403m"),
    "open_close":                    (401, "403m", "403m", "403m", "403m", "403m", 200,    200,    "403o", "403m", "403m", "403m"),
    "answered_publish_outcome":      (401, "403m", "403m", "403m", "403m", "403m", 200,    200,    "403o", "403m", "403m", "403m"),
    "closed_publish_outcome":        (401, "403m", "403m", "403m", "403m", "403m", "409u", "409u", "403o", "403m", "403m", "403m"),
    "open_versions_create":          (401, "403m", "403m", "403m", "403m", "403m", 201,    201,    "403o", "403m", "403m", "403m"),
    "published_versions_create":     (401, "403m", "403m", "403m", "403m", "403m", "409p", "409p", "403o", "403m", "403m", "403m"),
    "draft_version_retrieve":        (404, 404,    404,    404,    404,    404,    200,    200,    200,    404,    404,    404),
    "open_version_retrieve":         (200, 200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "open_comments_list":            (200, 200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "draft_comments_list":           (404, 404,    404,    404,    404,    404,    200,    200,    200,    404,    404,    404),
    "closed_comments_list":          (200, 200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "open_comments_create":          (401, 201,    201,    201,    201,    201,    201,    201,    201,    201,    201,    201),
    "draft_comments_create":         (401, 404,    404,    404,    404,    404,    "409n", "409n", "409n", 404,    404,    404),
    "closed_comments_create":        (401, "409n", "409n", "409n", "409n", "409n", "409n", "409n", "409n", "409n", "409n", "409n"),
    "open_comment_partial_update":   (401, 200,    404,    404,    404,    404,    "403a", "403a", "403a", 404,    404,    404),
    "closed_comment_partial_update": (401, "409n", "403a", "403a", "403a", "403a", "403a", "403a", "403a", "403a", "403a", "403a"),
    "open_comment_respond":          (401, "403m", 404,    404,    404,    404,    200,    200,    200,    404,    404,    404),
    "closed_comment_respond":        (401, "403m", "403m", "403m", "403m", "403m", 200,    200,    200,    "403m", "403m", "403m"),
    "published_comment_respond":     (401, "403m", "403m", "403m", "403m", "403m", "409p", "409p", "409p", "403m", "403m", "403m"),
    "open_export":                   (200, 200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "draft_export":                  (404, 404,    404,    404,    404,    404,    200,    200,    200,    404,    404,    404),
    "subscription_create":           (401, 201,    201,    201,    201,    201,    201,    201,    201,    201,    201,    201),
    "subscription_destroy":          (401, 204,    204,    204,    204,    204,    204,    204,    204,    204,    204,    204),
}
# fmt: on

# The url names this matrix covers (a coverage test checks them against the routes).
ROUTES = sorted({pattern.name for pattern in consultation_urlpatterns})

ERROR_CODES = {401: ErrorCode.NOT_AUTHENTICATED, 404: ErrorCode.NOT_FOUND}
NAMED_CODES = {
    "m": CouncilErrorCode.NOT_COUNCIL_MEMBER,
    "o": CouncilErrorCode.NOT_COUNCIL_OFFICER,
    "a": CouncilErrorCode.NOT_COMMENT_AUTHOR,
    "t": ErrorCode.INVALID_TRANSITION,
    "d": ErrorCode.NOT_DRAFT,
    "n": CouncilErrorCode.CONSULTATION_NOT_OPEN,
    "p": CouncilErrorCode.OUTCOME_PUBLISHED,
    "u": CouncilErrorCode.UNANSWERED_COMMENTS,
}


def expectation(cell: int | str) -> tuple[int, str | None]:
    return matrix.expectation(cell, ERROR_CODES, NAMED_CODES)


CELLS = matrix.cells(EXPECTED, COLUMNS)


def _routes() -> set[tuple[str, str]]:
    return matrix.served_routes(consultation_urlpatterns)


def test_the_matrix_covers_every_consultation_route(world):
    # given
    routes = _routes()

    # when
    covered = {(resolve(spec.path(world).split("?")[0]).url_name, spec.method) for spec in ENDPOINTS.values()}

    # then
    assert covered == routes
    assert {name for name, _ in covered} == set(ROUTES)
    assert set(EXPECTED) == set(ENDPOINTS)


def snapshot() -> dict:
    return {
        "consultations": list(
            Consultation.objects.order_by("id").values_list("id", "status", "title", "opens_at", "closes_at")
        ),
        "versions": list(ConsultationVersion.objects.order_by("id").values_list("id", flat=True)),
        "comments": list(Comment.objects.order_by("id").values_list("id", "body", "updated_at")),
        "responses": list(CommentResponse.objects.order_by("id").values_list("id", "disposition", "reason")),
        "outcomes": list(Outcome.objects.order_by("id").values_list("id", flat=True)),
        "subscriptions": list(CouncilSubscription.objects.order_by("id").values_list("id", flat=True)),
        "notifications": list(Notification.objects.order_by("id").values_list("id", flat=True)),
        "audit": list(AuditEvent.objects.order_by("id").values_list("id", flat=True)),
    }


@pytest.mark.parametrize(("endpoint", "caller", "cell"), CELLS)
def test_permission_matrix(world, client_for, endpoint, caller, cell):
    # given
    spec = ENDPOINTS[endpoint]
    expected, code = expectation(cell)
    user = world.people[caller]
    client = client_for(user) if user is not None else APIClient()
    before = snapshot()

    # when
    response = getattr(client, spec.method.lower())(
        spec.path(world), spec.data(world) if spec.data else None, format="json"
    )

    # then
    is_json = response.get("Content-Type", "").startswith("application/json")
    body = response.json() if is_json else None
    assert response.status_code == expected, body
    if expected < 400:
        assert spec.check(world, user, response) is not False
    else:
        assert body["code"] == code, body
        assert set(body) == (
            {"code", "detail", "fields"}
            if code == CouncilErrorCode.UNANSWERED_COMMENTS
            else {"code", "detail"}
        )
        assert snapshot() == before
