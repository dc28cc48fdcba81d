"""One-stop bundles over HTTP: create, give each document once, submit all or nothing, derived status."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from permits.errors import PermitErrorCode
from permits.models import Application, ApplicationDocument, ApplicationStatus, Bundle, Document, Permit
from permits.selectors import BundleStatus, bundle_status
from portal.api.errors import ErrorCode
from tests.factories import BusinessFactory, EntrepreneurFactory
from tests.permits.factories import (
    DocumentRequirementFactory,
    LicenceTypeFactory,
    QuestionFactory,
    pdf_file,
)

pytestmark = pytest.mark.django_db

S = ApplicationStatus
# A Monday with no public holiday in the next two weeks: 10 working days later is Monday 16 February.
MONDAY_MORNING = dt.datetime(2026, 2, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, media_root):
    settings.MEDIA_ROOT = media_root


@pytest.fixture
def world():
    """Three licence types of the same activity: two share a question and a document; one is low tier."""

    class World:
        fire = DocumentRequirementFactory(code="fire-safety")
        lease = DocumentRequirementFactory(code="venue-lease")
        charter = DocumentRequirementFactory(code="company-charter")
        attendance = QuestionFactory(key="expected_attendance", integer=True)
        venue = QuestionFactory(key="venue_kind", choice=True)
        alcohol = QuestionFactory(key="serves_alcohol")
        title = QuestionFactory(key="event_title", type="string")
        # medium: asks attendance + venue, needs the fire certificate and the lease
        event = LicenceTypeFactory(
            code="public-event", documents=[fire, lease], asks=[(attendance, True), (venue, True)]
        )
        # medium: asks attendance + alcohol, needs the fire certificate
        bar = LicenceTypeFactory(
            code="bar-service", documents=[fire], asks=[(attendance, True), (alcohol, True)]
        )
        # low: a notification asking only the title, needing the charter
        notice = LicenceTypeFactory(code="event-notice", low=True, documents=[charter], asks=[(title, False)])
        owner = EntrepreneurFactory()
        business = owner.memberships.get().business
        stranger = EntrepreneurFactory()

    return World


FULL_ANSWERS = {
    "expected_attendance": 300,
    "venue_kind": "indoor",
    "serves_alcohol": False,
    "event_title": "Steppe Sound Night",
}


def create_bundle(client, business, codes, answers=None):
    return client.post(
        "/api/v1/bundles/",
        {"business": business.pk, "licence_types": codes, "answers": answers if answers is not None else {}},
        format="json",
    )


def give(client, bundle_id, requirement, name="doc.pdf"):
    return client.post(
        f"/api/v1/bundles/{bundle_id}/documents/",
        {"requirement": requirement, "file": pdf_file(name)},
        format="multipart",
    )


# --- creating -------------------------------------------------------------------------------


def test_create_makes_one_draft_per_licence_type_in_the_given_order(world, client_for):
    # given
    client = client_for(world.owner)

    # when
    response = create_bundle(
        client, world.business, ["event-notice", "public-event", "bar-service"], FULL_ANSWERS
    )

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {"id", "status", "business", "created_at", "submitted_at", "answers", "applications"}
    assert body["status"] == "draft"
    assert body["business"] == world.business.pk
    assert body["submitted_at"] is None
    assert body["created_at"]
    assert body["answers"] == FULL_ANSWERS
    assert [a["licence_type"] for a in body["applications"]] == [
        "event-notice",
        "public-event",
        "bar-service",
    ]
    for application in body["applications"]:
        assert application["status"] == "draft"
        assert application["bundle"] == body["id"]
        assert application["business"] == world.business.pk
        assert application["reference"].startswith("APP-")
        assert application["permit"] is None
    assert Application.objects.filter(bundle_id=body["id"]).count() == 3


def test_duplicate_codes_are_created_once(world, client_for):
    # given
    client = client_for(world.owner)

    # when
    response = create_bundle(client, world.business, ["bar-service", "event-notice", "bar-service"])

    # then
    assert response.status_code == 201, response.json()
    assert [a["licence_type"] for a in response.json()["applications"]] == ["bar-service", "event-notice"]
    assert Application.objects.filter(bundle_id=response.json()["id"]).count() == 2


def test_unknown_codes_are_each_named(world, client_for):
    # given
    client = client_for(world.owner)

    # when
    response = create_bundle(client, world.business, ["public-event", "no-such-type", "also-missing"])

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == PermitErrorCode.UNKNOWN_LICENCE_TYPE
    messages = body["fields"]["licence_types"]
    assert len(messages) == 2
    assert "no-such-type" in messages[0]
    assert "also-missing" in messages[1]
    assert not Bundle.objects.exists()
    assert not Application.objects.exists()


def test_an_empty_licence_type_list_is_refused(world, client_for):
    # given
    client = client_for(world.owner)

    # when
    response = create_bundle(client, world.business, [])

    # then
    assert response.status_code == 400
    assert response.json()["code"] == ErrorCode.INVALID
    assert "licence_types" in response.json()["fields"]
    assert not Bundle.objects.exists()


def test_a_foreign_business_is_not_found(world, client_for):
    # given: a business the caller is no member of
    client = client_for(world.owner)
    foreign = BusinessFactory()

    # when
    response = create_bundle(client, foreign, ["public-event"])

    # then
    assert response.status_code == 404
    assert response.json()["code"] == ErrorCode.NOT_FOUND
    assert not Bundle.objects.exists()


def test_a_shared_question_is_answered_once_and_each_application_gets_only_its_own(world, client_for):
    # given: attendance is asked by both public-event and bar-service
    client = client_for(world.owner)

    # when
    response = create_bundle(
        client, world.business, ["public-event", "bar-service", "event-notice"], FULL_ANSWERS
    )

    # then
    assert response.status_code == 201, response.json()
    by_type = {a["licence_type"]: a for a in response.json()["applications"]}
    assert by_type["public-event"]["answers"] == {"expected_attendance": 300, "venue_kind": "indoor"}
    assert by_type["bar-service"]["answers"] == {"expected_attendance": 300, "serves_alcohol": False}
    assert by_type["event-notice"]["answers"] == {"event_title": "Steppe Sound Night"}
    stored = Bundle.objects.get(pk=response.json()["id"])
    assert stored.answers == FULL_ANSWERS


def test_an_answer_no_licence_type_asks_is_refused_by_key(world, client_for):
    # given: venue_kind is only asked by public-event, which is not in the bundle
    client = client_for(world.owner)

    # when
    response = create_bundle(
        client,
        world.business,
        ["bar-service"],
        {"expected_attendance": 10, "venue_kind": "indoor", "pets": True},
    )

    # then
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {"answers.venue_kind", "answers.pets"}
    assert not Bundle.objects.exists()


def test_a_wrongly_typed_shared_answer_is_named(world, client_for):
    # given
    client = client_for(world.owner)

    # when
    response = create_bundle(
        client, world.business, ["public-event", "bar-service"], {"expected_attendance": "many"}
    )

    # then
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"answers.expected_attendance"}
    assert not Application.objects.exists()


# --- documents ------------------------------------------------------------------------------


def test_a_document_given_once_serves_every_draft_that_requires_it(world, client_for):
    # given: fire-safety is required by public-event and bar-service, not by event-notice
    client = client_for(world.owner)
    bundle = create_bundle(client, world.business, ["public-event", "event-notice", "bar-service"]).json()
    refs = {a["licence_type"]: a["reference"] for a in bundle["applications"]}

    # when
    response = give(client, bundle["id"], "fire-safety", "fire.pdf")

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["applications"] == [refs["public-event"], refs["bar-service"]]
    assert body["document"]["requirement"] == "fire-safety"
    assert body["document"]["content_type"] == "application/pdf"
    assert body["document"]["name"] == "fire.pdf"
    assert len(body["document"]["sha256"]) == 64
    assert Document.objects.count() == 1
    document = Document.objects.get()
    assert body["document"]["id"] == document.pk
    linked = set(
        ApplicationDocument.objects.filter(document=document).values_list("application__reference", flat=True)
    )
    assert linked == {refs["public-event"], refs["bar-service"]}


def test_a_withdrawn_child_gets_no_document(world, client_for):
    # given: bar-service withdrawn while still a draft
    client = client_for(world.owner)
    bundle = create_bundle(client, world.business, ["public-event", "bar-service"]).json()
    event, bar = bundle["applications"]
    assert client.post(f"/api/v1/applications/{bar['id']}/withdraw/", {}, format="json").status_code == 200

    # when
    response = give(client, bundle["id"], "fire-safety")

    # then
    assert response.status_code == 201, response.json()
    assert response.json()["applications"] == [event["reference"]]
    assert not ApplicationDocument.objects.filter(application_id=bar["id"]).exists()


def test_a_requirement_no_application_of_the_bundle_asks_for_is_refused(world, client_for):
    # given: only bar-service, which does not need the lease
    client = client_for(world.owner)
    bundle = create_bundle(client, world.business, ["bar-service"]).json()

    # when
    response = give(client, bundle["id"], "venue-lease")

    # then
    assert response.status_code == 400
    assert response.json()["code"] == PermitErrorCode.NOT_REQUIRED
    assert "requirement" in response.json()["fields"]
    assert not Document.objects.exists()


def test_an_unknown_requirement_is_refused(world, client_for):
    # given
    client = client_for(world.owner)
    bundle = create_bundle(client, world.business, ["bar-service"]).json()

    # when
    response = give(client, bundle["id"], "no-such-document")

    # then
    assert response.status_code == 400
    assert response.json()["code"] == PermitErrorCode.UNKNOWN_REQUIREMENT
    assert not Document.objects.exists()


# --- submitting -----------------------------------------------------------------------------


def test_nothing_is_submitted_while_one_child_is_incomplete(world, client_for):
    # given: every document given, but bar-service's alcohol question is unanswered
    client = client_for(world.owner)
    answers = {"expected_attendance": 300, "venue_kind": "indoor", "event_title": "Night"}
    bundle = create_bundle(
        client, world.business, ["public-event", "bar-service", "event-notice"], answers
    ).json()
    refs = {a["licence_type"]: a["reference"] for a in bundle["applications"]}
    for code in ("fire-safety", "company-charter"):
        assert give(client, bundle["id"], code).status_code == 201

    # when: the lease is missing too (public-event)
    response = client.post(f"/api/v1/bundles/{bundle['id']}/submit/")

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == PermitErrorCode.INCOMPLETE
    assert body["fields"] == {
        f"{refs['public-event']}.documents": ["venue-lease"],
        f"{refs['bar-service']}.answers": ["serves_alcohol"],
    }
    assert set(Application.objects.filter(bundle_id=bundle["id"]).values_list("status", flat=True)) == {
        "draft"
    }
    assert not Permit.objects.exists()
    assert Bundle.objects.get(pk=bundle["id"]).submitted_at is None
    assert client.get(f"/api/v1/bundles/{bundle['id']}/").json()["status"] == "draft"


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_a_complete_bundle_is_submitted_in_one_go(world, client_for):
    # given: a complete mixed bundle
    client = client_for(world.owner)
    bundle = create_bundle(
        client, world.business, ["public-event", "event-notice", "bar-service"], FULL_ANSWERS
    ).json()
    for code in ("fire-safety", "venue-lease", "company-charter"):
        assert give(client, bundle["id"], code).status_code == 201

    # when
    response = client.post(f"/api/v1/bundles/{bundle['id']}/submit/")

    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "in_review"
    assert body["submitted_at"] == "2026-02-02T10:00:00+05:00"
    by_type = {a["licence_type"]: a for a in body["applications"]}
    notice = by_type["event-notice"]
    assert notice["status"] == "approved"
    assert notice["risk_tier"] == "low"
    assert notice["permit"] is not None
    assert notice["permit"]["status"] == "active"
    assert Permit.objects.get(application_id=notice["id"]).number == notice["permit"]["number"]
    for code in ("public-event", "bar-service"):
        assert by_type[code]["status"] == "submitted"
        assert by_type[code]["risk_tier"] == "medium"
        assert by_type[code]["permit"] is None
        assert by_type[code]["submitted_at"] == "2026-02-02T10:00:00+05:00"
        assert by_type[code]["due_at"] == "2026-02-16T10:00:00+05:00"
    assert Permit.objects.count() == 1


def test_submitting_again_has_nothing_to_submit(world, client_for):
    # given: a submitted bundle
    client = client_for(world.owner)
    bundle = create_bundle(client, world.business, ["event-notice"]).json()
    assert give(client, bundle["id"], "company-charter").status_code == 201
    assert client.post(f"/api/v1/bundles/{bundle['id']}/submit/").status_code == 200

    # when
    response = client.post(f"/api/v1/bundles/{bundle['id']}/submit/")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == PermitErrorCode.NOTHING_TO_SUBMIT
    assert Permit.objects.count() == 1


def test_documents_are_closed_once_every_child_is_submitted(world, client_for):
    # given: a submitted bundle
    client = client_for(world.owner)
    bundle = create_bundle(client, world.business, ["event-notice"]).json()
    assert give(client, bundle["id"], "company-charter").status_code == 201
    assert client.post(f"/api/v1/bundles/{bundle['id']}/submit/").status_code == 200

    # when
    response = give(client, bundle["id"], "company-charter", "again.pdf")

    # then
    assert response.status_code == 400
    assert response.json()["code"] == PermitErrorCode.NOT_REQUIRED
    assert Document.objects.count() == 1


# --- derived status -------------------------------------------------------------------------


def test_a_bundle_of_only_low_types_is_all_issued_after_submit(world, client_for):
    # given
    client = client_for(world.owner)
    bundle = create_bundle(client, world.business, ["event-notice"], {"event_title": "Open Mic"}).json()
    assert give(client, bundle["id"], "company-charter").status_code == 201
    assert client.get(f"/api/v1/bundles/{bundle['id']}/").json()["status"] == "draft"

    # when
    client.post(f"/api/v1/bundles/{bundle['id']}/submit/")
    response = client.get(f"/api/v1/bundles/{bundle['id']}/")

    # then
    assert response.status_code == 200
    assert response.json()["status"] == "all_issued"
    assert response.json()["applications"][0]["permit"] is not None


def test_withdrawing_the_only_medium_child_of_a_mixed_bundle_leaves_it_all_issued(world, client_for):
    # given: a submitted bundle of one low and one medium type
    client = client_for(world.owner)
    bundle = create_bundle(
        client,
        world.business,
        ["event-notice", "bar-service"],
        {"expected_attendance": 80, "serves_alcohol": True},
    ).json()
    for code in ("fire-safety", "company-charter"):
        assert give(client, bundle["id"], code).status_code == 201
    assert client.post(f"/api/v1/bundles/{bundle['id']}/submit/").json()["status"] == "in_review"
    bar = next(a for a in bundle["applications"] if a["licence_type"] == "bar-service")

    # when
    withdrawn = client.post(
        f"/api/v1/applications/{bar['id']}/withdraw/", {"reason": "Event moved"}, format="json"
    )
    response = client.get(f"/api/v1/bundles/{bundle['id']}/")

    # then
    assert withdrawn.status_code == 200, withdrawn.json()
    assert withdrawn.json()["status"] == "withdrawn"
    assert response.json()["status"] == "all_issued"


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], BundleStatus.DRAFT),
        ([S.DRAFT], BundleStatus.DRAFT),
        ([S.DRAFT, S.DRAFT], BundleStatus.DRAFT),
        ([S.DRAFT, S.WITHDRAWN], BundleStatus.DRAFT),
        ([S.INFO_REQUESTED, S.APPROVED], BundleStatus.ACTION_NEEDED),
        ([S.INFO_REQUESTED, S.REJECTED], BundleStatus.ACTION_NEEDED),
        ([S.INFO_REQUESTED, S.IN_REVIEW, S.WITHDRAWN], BundleStatus.ACTION_NEEDED),
        ([S.REJECTED], BundleStatus.REFUSED_IN_PART),
        ([S.REJECTED, S.APPROVED], BundleStatus.REFUSED_IN_PART),
        ([S.REJECTED, S.IN_REVIEW], BundleStatus.REFUSED_IN_PART),
        ([S.REJECTED, S.WITHDRAWN], BundleStatus.REFUSED_IN_PART),
        ([S.SUBMITTED], BundleStatus.IN_REVIEW),
        ([S.SUBMITTED, S.APPROVED], BundleStatus.IN_REVIEW),
        ([S.IN_REVIEW, S.APPROVED], BundleStatus.IN_REVIEW),
        ([S.SECOND_REVIEW, S.APPROVED, S.WITHDRAWN], BundleStatus.IN_REVIEW),
        ([S.DRAFT, S.APPROVED], BundleStatus.IN_REVIEW),
        ([S.APPROVED], BundleStatus.ALL_ISSUED),
        ([S.APPROVED, S.APPROVED], BundleStatus.ALL_ISSUED),
        ([S.APPROVED, S.WITHDRAWN], BundleStatus.ALL_ISSUED),
        ([S.WITHDRAWN], BundleStatus.WITHDRAWN),
        ([S.WITHDRAWN, S.WITHDRAWN], BundleStatus.WITHDRAWN),
    ],
)
def test_bundle_status_rules(statuses, expected):
    # given: the children's statuses, as plain strings from the database
    values = [str(status.value) for status in statuses]

    # when
    derived = bundle_status(iter(values))

    # then
    assert derived == expected
    assert derived in BundleStatus.CHOICES


def test_bundle_status_does_not_depend_on_the_order_of_children():
    # given
    statuses = [S.APPROVED, S.WITHDRAWN, S.INFO_REQUESTED, S.REJECTED, S.IN_REVIEW]

    # when
    results = {bundle_status(statuses[i:] + statuses[:i]) for i in range(len(statuses))}

    # then
    assert results == {BundleStatus.ACTION_NEEDED}


# --- another entrepreneur -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "payload", "fmt"),
    [
        ("get", "", None, None),
        ("post", "submit/", None, None),
        ("post", "documents/", "document", "multipart"),
    ],
)
def test_another_entrepreneur_cannot_reach_the_bundle(world, client_for, method, suffix, payload, fmt):
    # given: the owner's complete bundle, ready to submit
    owner = client_for(world.owner)
    bundle = create_bundle(owner, world.business, ["event-notice"]).json()
    assert give(owner, bundle["id"], "company-charter").status_code == 201
    stranger = client_for(world.stranger)
    data = {"requirement": "company-charter", "file": pdf_file()} if payload == "document" else None

    # when
    response = getattr(stranger, method)(f"/api/v1/bundles/{bundle['id']}/{suffix}", data, format=fmt)

    # then
    assert response.status_code == 404
    assert response.json()["code"] == ErrorCode.NOT_FOUND
    assert Document.objects.count() == 1
    assert set(Application.objects.values_list("status", flat=True)) == {"draft"}
    assert not Permit.objects.exists()


def test_another_entrepreneur_cannot_see_the_bundles_applications(world, client_for):
    # given
    owner = client_for(world.owner)
    bundle = create_bundle(owner, world.business, ["event-notice", "bar-service"]).json()
    stranger = client_for(world.stranger)

    # when
    listing = stranger.get("/api/v1/applications/")
    detail = stranger.get(f"/api/v1/applications/{bundle['applications'][0]['id']}/")

    # then
    assert listing.status_code == 200
    assert listing.json()["count"] == 0
    assert detail.status_code == 404
