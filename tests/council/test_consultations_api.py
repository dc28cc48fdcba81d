"""The consultation API's edges: bad input answered with 400 naming the field, lists in a constant
number of queries, filters, old versions readable, a CSV that no spreadsheet runs as formulas, and
creates that a retry with the same Idempotency-Key does not repeat."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from council.models import Consultation, CouncilRole
from council.services import consultations as services
from portal.api.errors import ErrorCode, ValidationFailed
from tests.council.consultations_factories import (
    ConsultationFactory,
    answer,
    close,
    comment_on,
    officer_of,
    seat,
)
from tests.factories import ActivityCategoryFactory, CouncilFactory, EntrepreneurFactory
from tests.permits.factories import LegalActFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/council"


def valid_body(council, changes: dict | None = None) -> dict:
    return {
        "council": council.pk,
        "title": "Street performances in Almaty",
        "summary": "Draft rules on busking in pedestrian zones.",
        "proposed_act_title": "Rules on street performances",
        "sections": [{"number": "1", "heading": "Places", "text": "Arbat and Panfilov Park."}],
        "opens_at": "2030-01-10T09:00:00+05:00",
        "closes_at": "2030-02-01T18:00:00+05:00",
        **(changes or {}),
    }


@pytest.fixture
def officer_client(client_for):
    council = CouncilFactory()
    return council, client_for(seat(council, CouncilRole.SECRETARY))


# --- bad input -----------------------------------------------------------------------------------

BAD = [
    pytest.param({"sections": []}, "sections", id="no-sections"),
    pytest.param({"sections": "1. Scope"}, "sections", id="sections-not-a-list"),
    pytest.param(
        {"sections": [{"heading": "No number", "text": "x"}]}, "sections", id="section-without-number"
    ),
    pytest.param(
        {"sections": [{"number": "1", "text": "a"}, {"number": "1", "text": "b"}]}, "sections", id="dup"
    ),
    pytest.param({"sections": [{"number": "1", "text": "x" * 20001}]}, "sections", id="huge-text"),
    pytest.param(
        {"sections": [{"number": "1", "heading": "h" * 301, "text": "x"}]}, "sections", id="huge-heading"
    ),
    pytest.param(
        {"sections": [{"number": str(n), "text": "x"} for n in range(201)]}, "sections", id="201-sections"
    ),
    pytest.param({"title": "t" * 301}, "title", id="huge-title"),
    pytest.param({"title": ""}, "title", id="empty-title"),
    pytest.param({"council": "national"}, "council", id="council-not-a-number"),
    pytest.param({"council": 999999}, "council", id="unknown-council"),
    pytest.param({"opens_at": "next Monday"}, "opens_at", id="bad-date"),
    pytest.param({"closes_at": "2030-01-01T09:00:00+05:00"}, "closes_at", id="closes-before-opening"),
    pytest.param(
        {"opens_at": "2020-01-01T09:00:00+05:00", "closes_at": "2020-02-01T09:00:00+05:00"},
        "closes_at",
        id="closes-in-the-past",
    ),
    pytest.param({"proposed_act_title": ""}, "legal_act", id="no-act-at-all"),
    pytest.param({"legal_act": "no-such-law"}, "legal_act", id="unknown-act"),
    pytest.param({"activities": ["no-such-activity"]}, "activities", id="unknown-activity"),
    pytest.param({"activities": "design"}, "activities", id="activities-not-a-list"),
    pytest.param({"comments_public_while_open": "perhaps"}, "comments_public_while_open", id="bad-flag"),
]


@pytest.mark.parametrize(("changes", "field"), BAD)
def test_a_bad_consultation_is_a_400_naming_the_field(officer_client, changes, field):
    # given
    council, client = officer_client

    # when
    response = client.post(f"{API}/consultations/", valid_body(council, changes), format="json")

    # then
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == ErrorCode.INVALID
    assert field in response.json()["fields"]
    assert not Consultation.objects.exists()


def test_a_valid_consultation_with_an_existing_act_and_activities(officer_client):
    # given
    council, client = officer_client
    LegalActFactory(code="permits-and-notifications")
    ActivityCategoryFactory(code="live-events")

    # when
    response = client.post(
        f"{API}/consultations/",
        valid_body(
            council,
            {
                "legal_act": "permits-and-notifications",
                "proposed_act_title": "",
                "activities": ["live-events"],
            },
        ),
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    assert (response.json()["legal_act"], response.json()["activities"]) == (
        "permits-and-notifications",
        ["live-events"],
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"section": "1", "body": ""}, "body"),
        ({"section": "1", "body": "x" * 5001}, "body"),
        ({"section": "9", "body": "On a section that is not there."}, "section"),
        ({"section": "1", "body": "Hi", "business": "mine"}, "business"),
        ({"body": "Where?"}, "section"),
    ],
)
def test_a_bad_comment_is_a_400_naming_the_field(client_for, body, field):
    # given
    consultation = ConsultationFactory(open=True)

    # when
    response = client_for(EntrepreneurFactory()).post(
        f"{API}/consultations/{consultation.pk}/comments/", body, format="json"
    )

    # then
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"disposition": "maybe", "reason": "x"}, "disposition"),
        ({"disposition": "rejected"}, "reason"),
        ({"disposition": "rejected", "reason": "   "}, "reason"),
    ],
)
def test_a_bad_answer_is_a_400_naming_the_field(client_for, body, field):
    # given
    consultation = ConsultationFactory(open=True)
    comment = comment_on(consultation)

    # when
    response = client_for(seat(consultation.council)).post(
        f"{API}/comments/{comment.pk}/respond/", body, format="json"
    )

    # then
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]


# --- lists ---------------------------------------------------------------------------------------


def _queries(client, url: str) -> tuple[int, dict]:
    client.get(url)  # warm up
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.json()


def test_the_consultation_list_costs_the_same_for_one_or_many(client_for):
    # given: a member (who also sees drafts) and one consultation
    council = CouncilFactory()
    client = client_for(seat(council))
    design = ActivityCategoryFactory(code="design")
    ConsultationFactory(council=council, open=True, activities=[design.code])
    one, body_one = _queries(client, f"{API}/consultations/?page_size=100")

    # when: many more, in every state, with activities and comments
    for n in range(6):
        ConsultationFactory(council=council, activities=[design.code])
        ConsultationFactory(council=council, open=True, comments=[(EntrepreneurFactory(), "1")])
        ConsultationFactory(
            council=council, published=True, comments=[(EntrepreneurFactory(), str(n % 3 + 1))]
        )
    many, body_many = _queries(client, f"{API}/consultations/?page_size=100")

    # then
    assert (body_one["count"], body_many["count"]) == (1, 19)
    assert many == one


def test_the_comment_list_costs_the_same_for_one_or_many(api_client):
    # given
    consultation = ConsultationFactory(open=True, comments_public_while_open=True)
    comment_on(consultation, author=EntrepreneurFactory(), business=None)
    url = f"{API}/consultations/{consultation.pk}/comments/?page_size=100"
    one, body_one = _queries(api_client, url)

    # when: many, with businesses and answers
    for n in range(12):
        author = EntrepreneurFactory()
        comment = comment_on(
            consultation, author=author, section=str(n % 3 + 1), business=author.memberships.get().business
        )
        if n % 2:
            answer(comment)
    many, body_many = _queries(api_client, url)

    # then
    assert (body_one["count"], body_many["count"]) == (1, 13)
    assert many == one


def test_the_list_is_newest_first_and_filters_by_council_and_status(api_client):
    # given
    first, second = CouncilFactory(), CouncilFactory()
    older = ConsultationFactory(council=first, closed=True)
    newer = ConsultationFactory(council=first, open=True)
    elsewhere = ConsultationFactory(council=second, open=True)

    # when
    everything = api_client.get(f"{API}/consultations/").json()["results"]
    by_council = api_client.get(f"{API}/consultations/", {"council": first.pk}).json()["results"]
    by_status = api_client.get(f"{API}/consultations/", {"status": "closed"}).json()["results"]
    bad = api_client.get(f"{API}/consultations/", {"status": "sideways"})

    # then
    assert [c["id"] for c in everything][-1] == older.pk
    assert {c["id"] for c in by_council} == {older.pk, newer.pk}
    assert [c["id"] for c in by_status] == [older.pk]
    assert elsewhere.pk in {c["id"] for c in everything}
    assert (bad.status_code, list(bad.json()["fields"])) == (400, ["status"])


# --- versions ------------------------------------------------------------------------------------


def test_an_old_version_stays_readable(client_for, api_client):
    # given
    consultation = ConsultationFactory(open=True)
    officer = client_for(officer_of(consultation.council))

    # when
    added = officer.post(
        f"{API}/consultations/{consultation.pk}/versions/",
        {
            "sections": [{"number": "1", "heading": "Scope", "text": "Studios of up to 25 employees."}],
            "note": "25.",
        },
        format="json",
    )
    old = api_client.get(f"{API}/consultations/{consultation.pk}/versions/1/")
    detail = api_client.get(f"{API}/consultations/{consultation.pk}/")

    # then
    assert (added.status_code, added.json()["number"]) == (201, 2)
    assert [s["number"] for s in old.json()["sections"]] == ["1", "2", "3"]
    assert detail.json()["current_version"] == 2
    assert [s["text"] for s in detail.json()["sections"]] == ["Studios of up to 25 employees."]
    assert [v["number"] for v in detail.json()["versions"]] == [1, 2]
    assert api_client.get(f"{API}/consultations/{consultation.pk}/versions/3/").status_code == 404


# --- CSV -----------------------------------------------------------------------------------------


def test_the_csv_never_carries_a_formula(api_client):
    # given: comments that a spreadsheet would run
    consultation = ConsultationFactory(open=True)
    for body in ('=HYPERLINK("http://evil")', "+1+1", "-2", "@SUM(A1)", "Plain text, with a comma"):
        comment_on(consultation, body=body)
    close(consultation)

    # when
    response = api_client.get(f"{API}/consultations/{consultation.pk}/export.csv")

    # then
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["body"] for r in rows] == [
        '\'=HYPERLINK("http://evil")',
        "'+1+1",
        "'-2",
        "'@SUM(A1)",
        "Plain text, with a comma",
    ]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_csv_of_a_missing_consultation_is_a_json_404(api_client):
    # when
    response = api_client.get(f"{API}/consultations/999999/export.csv", HTTP_ACCEPT="text/csv")

    # then
    assert response.status_code == 404
    assert response.json()["code"] == ErrorCode.NOT_FOUND


# --- idempotency ---------------------------------------------------------------------------------


def test_a_retried_comment_with_the_same_key_is_written_once(client_for):
    # given
    consultation = ConsultationFactory(open=True)
    client = client_for(EntrepreneurFactory())
    url = f"{API}/consultations/{consultation.pk}/comments/"
    body = {"section": "1", "body": "Once only."}

    # when
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="c-1")

    # then
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert consultation.comments.count() == 1


def test_publishing_through_the_service_refuses_an_empty_summary():
    # given
    consultation = ConsultationFactory(closed=True)

    # when / then
    with pytest.raises(ValidationFailed) as refused:
        services.outcome_publish(
            actor=officer_of(consultation.council), consultation_id=consultation.pk, summary=" "
        )
    assert refused.value.fields == {"summary": ["This cannot be empty."]}
