"""The public catalogue and the permit finder over HTTP (DESIGN §7): anonymous, paginated, filterable,
with exactly the finder fields clients rely on, and a fixed number of queries however long the list."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from permits.errors import PermitErrorCode
from permits.models import LicenceKind, Tier
from portal.api.errors import ErrorCode
from tests.factories import ActivityCategoryFactory, AuthorityFactory
from tests.permits.factories import (
    DocumentRequirementFactory,
    LicenceTypeFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db

ACTIVITIES = "/api/v1/catalogue/activities/"
LICENCE_TYPES = "/api/v1/catalogue/licence-types/"
FINDER = "/api/v1/catalogue/finder/"
PAGE_KEYS = {"count", "next", "previous", "results"}


def codes(response) -> list[str]:
    return [item["code"] for item in response.json()["results"]]


# --- activities and licence types --------------------------------------------------------------


def test_activities_are_public_and_paginated(api_client):
    # given: two activities and an anonymous caller
    ActivityCategoryFactory(code="music-recording", name="Music recording")
    ActivityCategoryFactory(code="design", name="Design")

    # when
    response = api_client.get(ACTIVITIES)

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_KEYS
    assert body["count"] == 2
    assert body["previous"] is None and body["next"] is None
    assert [(a["code"], a["name"]) for a in body["results"]] == [
        ("design", "Design"),
        ("music-recording", "Music recording"),
    ]


def test_activities_paginate_with_next_link(api_client):
    # given: more activities than a page of 2 holds
    for n in range(5):
        ActivityCategoryFactory(code=f"act-{n}", name=f"Activity {n}")

    # when
    first = api_client.get(ACTIVITIES, {"page_size": 2})

    # then
    body = first.json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["previous"] is None
    assert "page=2" in body["next"]


def test_licence_types_are_public_and_paginated(api_client):
    # given: two licence types and an anonymous caller
    LicenceTypeFactory(code="b-permit")
    LicenceTypeFactory(code="a-licence", high=True)

    # when
    response = api_client.get(LICENCE_TYPES)

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_KEYS
    assert body["count"] == 2
    assert codes(response) == ["a-licence", "b-permit"]


def test_inactive_licence_types_are_not_listed(api_client):
    # given: an open licence type and one closed for applications, both for the same activity
    activity = ActivityCategoryFactory(code="events")
    LicenceTypeFactory(code="open-permit", activities=[activity])
    LicenceTypeFactory(code="closed-permit", activities=[activity], is_active=False)

    # when
    listed = api_client.get(LICENCE_TYPES)
    found = api_client.get(FINDER, {"activity": "events"})

    # then: neither the catalogue nor the finder offers the closed one
    assert codes(listed) == ["open-permit"]
    assert listed.json()["count"] == 1
    assert codes(found) == ["open-permit"]


@pytest.fixture
def catalogue():
    """Three licence types over two activities, two authorities and all three kinds."""
    music, design = ActivityCategoryFactory(code="music"), ActivityCategoryFactory(code="design")
    culture, city = AuthorityFactory(code="culture"), AuthorityFactory(code="akimat")
    LicenceTypeFactory(code="studio-notice", low=True, authority=city, activities=[music])
    LicenceTypeFactory(code="sound-permit", authority=culture, activities=[music, design])
    LicenceTypeFactory(code="broadcast-licence", high=True, authority=culture, activities=[design])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"activity": "music"}, ["sound-permit", "studio-notice"]),
        ({"activity": "design"}, ["broadcast-licence", "sound-permit"]),
        ({"authority": "culture"}, ["broadcast-licence", "sound-permit"]),
        ({"authority": "akimat"}, ["studio-notice"]),
        ({"kind": "notification"}, ["studio-notice"]),
        ({"kind": "licence"}, ["broadcast-licence"]),
        ({"kind": "permit", "activity": "design"}, ["sound-permit"]),
        ({"activity": "nothing-needs-this"}, []),
    ],
)
def test_licence_types_filter(api_client, catalogue, params, expected):
    # given: the catalogue
    # when
    response = api_client.get(LICENCE_TYPES, params)

    # then: each type once, even when it serves several activities
    assert response.status_code == 200
    assert codes(response) == expected
    assert response.json()["count"] == len(expected)


def test_licence_types_bad_kind_is_a_400_naming_the_field(api_client, catalogue):
    # given / when
    response = api_client.get(LICENCE_TYPES, {"kind": "passport"})

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == ErrorCode.INVALID
    assert isinstance(body["detail"], str) and body["detail"]
    assert list(body["fields"]) == ["kind"]
    assert body["fields"]["kind"]


# --- finder ------------------------------------------------------------------------------------


@pytest.fixture
def studio():
    """What "music" and "live-events" need: a notification, a shared permit, a licence."""
    music = ActivityCategoryFactory(code="music", name="Music")
    events = ActivityCategoryFactory(code="live-events", name="Live events")
    other = ActivityCategoryFactory(code="fashion", name="Fashion")
    culture = AuthorityFactory(code="culture", name="Committee for Culture")
    fire = AuthorityFactory(code="fire", name="Fire Safety Service")
    attendance = QuestionFactory(key="attendance", label="Expected attendance", integer=True)
    venue = QuestionFactory(key="venue", label="Venue", choice=True)
    alcohol = QuestionFactory(key="alcohol", label="Is alcohol served?")
    plan = DocumentRequirementFactory(code="floor-plan", name="Floor plan")
    lease = DocumentRequirementFactory(code="lease", name="Lease agreement")
    LicenceTypeFactory(
        code="studio-notification",
        name="Studio notification",
        low=True,
        authority=culture,
        activities=[music],
    )
    LicenceTypeFactory(
        code="venue-permit",
        name="Venue permit",
        authority=fire,
        activities=[music, events],
        fee=Decimal("4325.50"),
        documents=[plan, lease],
        asks=[(attendance, True), (venue, True), (alcohol, False)],
    )
    LicenceTypeFactory(
        code="events-licence",
        name="Events licence",
        high=True,
        authority=culture,
        activities=[events],
        fee=Decimal("100000"),
        deadline_working_days=20,
        documents=[lease],
        asks=[(alcohol, True)],
    )
    LicenceTypeFactory(code="fashion-permit", authority=culture, activities=[other], deadline_working_days=7)


def test_finder_returns_the_union_each_once_with_the_contract_fields(api_client, studio):
    # given: two activities sharing the venue permit
    # when
    response = api_client.get(f"{FINDER}?activity=music&activity=live-events")

    # then: the union, each licence type once, in code order
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_KEYS
    assert body["count"] == 3
    by_code = {item["code"]: item for item in body["results"]}
    assert codes(response) == ["events-licence", "studio-notification", "venue-permit"]
    # and: exactly the DESIGN §7 item fields
    for item in body["results"]:
        assert set(item) == {
            "code",
            "name",
            "kind",
            "authority",
            "risk_tier",
            "deadline_working_days",
            "fee",
            "required_documents",
            "questions",
        }
    assert by_code["venue-permit"] == {
        "code": "venue-permit",
        "name": "Venue permit",
        "kind": "permit",
        "authority": {"code": "fire", "name": "Fire Safety Service"},
        "risk_tier": "medium",
        "deadline_working_days": 10,
        "fee": "4325.50",
        "required_documents": [
            {"code": "floor-plan", "name": "Floor plan"},
            {"code": "lease", "name": "Lease agreement"},
        ],
        "questions": [
            {"key": "attendance", "label": "Expected attendance", "type": "integer", "required": True},
            {
                "key": "venue",
                "label": "Venue",
                "type": "choice",
                "required": True,
                "choices": ["indoor", "outdoor", "mixed"],
            },
            {"key": "alcohol", "label": "Is alcohol served?", "type": "boolean", "required": False},
        ],
    }
    assert by_code["events-licence"] == {
        "code": "events-licence",
        "name": "Events licence",
        "kind": "licence",
        "authority": {"code": "culture", "name": "Committee for Culture"},
        "risk_tier": "high",
        "deadline_working_days": 20,
        "fee": "100000.00",
        "required_documents": [{"code": "lease", "name": "Lease agreement"}],
        "questions": [{"key": "alcohol", "label": "Is alcohol served?", "type": "boolean", "required": True}],
    }
    assert by_code["studio-notification"] == {
        "code": "studio-notification",
        "name": "Studio notification",
        "kind": "notification",
        "authority": {"code": "culture", "name": "Committee for Culture"},
        "risk_tier": "low",
        "deadline_working_days": None,
        "fee": "0.00",
        "required_documents": [],
        "questions": [],
    }


@pytest.mark.parametrize(
    ("factory_kwargs", "expected"),
    [
        ({"low": True}, None),
        ({"low": True, "deadline_working_days": 5}, None),
        ({}, 10),
        ({"deadline_working_days": 7}, 7),
        ({"high": True}, 15),
        ({"high": True, "deadline_working_days": 30}, 30),
    ],
)
def test_finder_deadline_is_the_own_or_the_tier_default(api_client, factory_kwargs, expected):
    # given: a licence type of a tier, with or without its own deadline
    activity = ActivityCategoryFactory(code="film")
    LicenceTypeFactory(code="film-type", activities=[activity], **factory_kwargs)

    # when
    response = api_client.get(FINDER, {"activity": "film"})

    # then: null for low (issued at once), else the licence type's own or 10 (medium) / 15 (high)
    (item,) = response.json()["results"]
    assert item["deadline_working_days"] == expected


def test_finder_for_one_activity_leaves_out_other_activities(api_client, studio):
    # given / when
    response = api_client.get(FINDER, {"activity": "music"})

    # then
    assert codes(response) == ["studio-notification", "venue-permit"]


def test_finder_repeating_an_activity_changes_nothing(api_client, studio):
    # given / when
    response = api_client.get(f"{FINDER}?activity=music&activity=music&activity=live-events")

    # then
    assert codes(response) == ["events-licence", "studio-notification", "venue-permit"]


def test_finder_unknown_activity_is_a_400_naming_the_code(api_client, studio):
    # given / when
    response = api_client.get(f"{FINDER}?activity=music&activity=space-tourism")

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == PermitErrorCode.UNKNOWN_ACTIVITY
    assert "space-tourism" in body["detail"]
    assert list(body["fields"]) == ["activity"]
    assert any("space-tourism" in message for message in body["fields"]["activity"])
    assert not any("music" in message for message in body["fields"]["activity"])


@pytest.mark.parametrize("query", ["", "?activity=", "?activity=%20%20", "?page_size=10"])
def test_finder_without_an_activity_is_a_400(api_client, studio, query):
    # given / when
    response = api_client.get(f"{FINDER}{query}")

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == ErrorCode.INVALID
    assert list(body["fields"]) == ["activity"]


def test_finder_is_public(api_client, studio):
    # given: an anonymous caller (no credentials at all)
    # when
    response = api_client.get(FINDER, {"activity": "live-events"})

    # then
    assert response.status_code == 200
    assert codes(response) == ["events-licence", "venue-permit"]


# --- query counts ------------------------------------------------------------------------------


def _licence_types_for(activity, count: int, start: int) -> None:
    documents = [DocumentRequirementFactory(code="ledger"), DocumentRequirementFactory(code="id-card")]
    questions = [QuestionFactory(key="attendance", integer=True), QuestionFactory(key="venue", choice=True)]
    for n in range(start, start + count):
        LicenceTypeFactory(
            code=f"type-{n:03d}",
            authority=AuthorityFactory(code=f"authority-{n:03d}"),
            activities=[activity, ActivityCategoryFactory(code=f"side-activity-{n:03d}")],
            documents=documents,
            asks=[(questions[0], True), (questions[1], n % 2 == 0)],
        )


def _queries(client, url: str, params: dict) -> tuple[int, dict]:
    client.get(url, params)  # warm up: whatever is cached per process is not part of the count
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries), response.json()


def test_catalogue_query_counts_do_not_grow_with_the_results(api_client):
    # given: one licence type for the activity
    activity = ActivityCategoryFactory(code="games")
    _licence_types_for(activity, 1, start=0)
    finder_params = {"activity": "games", "page_size": 100}
    list_params = {"page_size": 100}
    finder_one, finder_body_one = _queries(api_client, FINDER, finder_params)
    list_one, list_body_one = _queries(api_client, LICENCE_TYPES, list_params)
    assert finder_body_one["count"] == 1 and list_body_one["count"] == 1

    # when: fifty of them, each with its own authority, documents, questions and activities
    _licence_types_for(activity, 49, start=1)
    finder_fifty, finder_body = _queries(api_client, FINDER, finder_params)
    list_fifty, list_body = _queries(api_client, LICENCE_TYPES, list_params)

    # then: every one is rendered, in the same number of queries
    assert finder_body["count"] == 50 and len(finder_body["results"]) == 50
    assert list_body["count"] == 50 and len(list_body["results"]) == 50
    assert all(
        len(item["questions"]) == 2 and len(item["required_documents"]) == 2 for item in list_body["results"]
    )
    assert all(len(item["activities"]) == 2 for item in list_body["results"])
    assert finder_fifty == finder_one
    assert list_fifty == list_one


def test_licence_type_list_item_shape(api_client):
    # given: a licence type with its legal basis and activities
    activity = ActivityCategoryFactory(code="architecture")
    LicenceTypeFactory(
        code="design-approval",
        activities=[activity],
        kind=LicenceKind.PERMIT,
        base_tier=Tier.MEDIUM,
        tacit_approval=True,
        legal_articles="Art. 27",
    )

    # when
    response = api_client.get(LICENCE_TYPES)

    # then: the finder fields plus the catalogue's own
    (item,) = response.json()["results"]
    assert item["code"] == "design-approval"
    assert item["activities"] == ["architecture"]
    assert item["tacit_approval"] is True
    assert item["legal_articles"] == "Art. 27"
    assert item["validity_months"] == 12
    assert set(item["legal_basis"]) == {"code", "title", "reference"}
    assert item["fee"] == "4325.00"
    assert item["risk_tier"] == "medium"
