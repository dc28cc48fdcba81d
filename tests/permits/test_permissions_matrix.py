"""Who may do what, over every endpoint of `permits/api/urls.py`, for every kind of caller.

Each (endpoint, caller) cell of `EXPECTED` is its own test: a fresh world of the owner's objects
(a draft, a submitted medium application with a document and a message, an approved low-tier
application with its permit, and a bundle), one caller, one real HTTP request.

The rules the table encodes (DESIGN §7): the catalogue and public verification are open to all;
everything else needs a token (401 `not_authenticated`). A foreign object is a 404 `not_found`,
never a 403 that would confirm it exists. An official of the licence type's authority reads what
was submitted to it (never a draft) but cannot act as the applicant. A refused request changes
nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import time_machine
from django.urls import resolve
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from permits.api.urls import urlpatterns as permits_urlpatterns
from permits.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    Bundle,
    Document,
    Message,
    Permit,
)
from permits.services.applications import application_submit, message_post
from permits.services.bundles import bundle_create
from permits.services.documents import application_document_attach, bundle_document_attach
from tests.factories import (
    ActivityCategoryFactory,
    ApiClientFactory,
    AuthorityFactory,
    CouncilMemberFactory,
    EntrepreneurFactory,
    OfficialProfileFactory,
)
from tests.permits.factories import (
    PDF_BYTES,
    DocumentRequirementFactory,
    DraftApplicationFactory,
    LicenceTypeFactory,
    QuestionFactory,
    pdf_file,
    pdf_upload,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
NOW = dt.datetime(2026, 3, 10, 5, 0, tzinfo=dt.UTC)  # a Tuesday, 10:00 in Almaty


@pytest.fixture(autouse=True)
def _frozen_time_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(NOW, tick=False):
        yield


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    activity: object
    requirement: object
    medium: object
    low: object
    owner: object
    business: object
    draft: Application
    draft_document: Document
    submitted: Application
    submitted_document: Document
    message: Message
    approved: Application
    permit: Permit
    bundle: Bundle
    stranger: object  # another entrepreneur, with an application of their own
    stranger_application: Application

    def owner_references(self) -> dict[str, str]:
        refs = {
            "draft": self.draft.reference,
            "submitted": self.submitted.reference,
            "approved": self.approved.reference,
        }
        for application in self.bundle.applications.all():
            refs["bundle"] = application.reference
        return refs


def _attach(owner, application, requirement) -> Document:
    return application_document_attach(
        actor=owner, application_id=application.pk, requirement_code=requirement.code, upload=pdf_upload()
    )


def build_world() -> World:
    activity = ActivityCategoryFactory()
    requirement = DocumentRequirementFactory()
    attendance = QuestionFactory(integer=True)
    authority = AuthorityFactory()
    medium = LicenceTypeFactory(
        authority=authority, documents=[requirement], activities=[activity], asks=[(attendance, False)]
    )
    low = LicenceTypeFactory(authority=authority, low=True, activities=[activity])
    owner = EntrepreneurFactory()
    business = owner.memberships.get().business

    # a complete draft (it has its document), so the owner may submit it
    draft = DraftApplicationFactory(business=business, licence_type=medium, created_by=owner)
    draft_document = _attach(owner, draft, requirement)

    # a submitted medium application, with its document and one message
    submitted = DraftApplicationFactory(business=business, licence_type=medium, created_by=owner)
    submitted_document = _attach(owner, submitted, requirement)
    application_submit(actor=owner, application_id=submitted.pk)
    message = message_post(actor=owner, application_id=submitted.pk, body="When can we expect a decision?")

    # a low-tier notification: approved with its permit on submission
    approved = DraftApplicationFactory(business=business, licence_type=low, created_by=owner)
    application_submit(actor=owner, application_id=approved.pk)

    # a bundle ready to submit (its one application has the document it needs)
    bundle = bundle_create(actor=owner, business=business, licence_type_codes=[medium.code], answers={})
    bundle_document_attach(actor=owner, bundle=bundle, requirement_code=requirement.code, upload=pdf_upload())

    stranger = EntrepreneurFactory()
    stranger_application = DraftApplicationFactory(
        business=stranger.memberships.get().business, licence_type=medium, created_by=stranger
    )
    submitted.refresh_from_db()
    approved.refresh_from_db()
    assert (submitted.status, approved.status) == (ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED)
    return World(
        activity=activity,
        requirement=requirement,
        medium=medium,
        low=low,
        owner=owner,
        business=business,
        draft=draft,
        draft_document=draft_document,
        submitted=submitted,
        submitted_document=submitted_document,
        message=message,
        approved=approved,
        permit=Permit.objects.get(application=approved),
        bundle=bundle,
        stranger=stranger,
        stranger_application=stranger_application,
    )


@pytest.fixture
def world() -> World:
    return build_world()


# --- the callers -------------------------------------------------------------------------------

CALLERS: dict[str, Callable[[World], object]] = {
    "anonymous": lambda w: None,
    "owner": lambda w: w.owner,
    "other_entrepreneur": lambda w: w.stranger,
    "authority_official": lambda w: OfficialProfileFactory(authority=w.medium.authority, high=True).user,
    "other_official": lambda w: OfficialProfileFactory(authority=AuthorityFactory(), high=True).user,
    "council_member": lambda w: CouncilMemberFactory().user,
    "bound_client": lambda w: ApiClientFactory(business=w.business).user,
    "unbound_client": lambda w: ApiClientFactory().user,
}
COLUMNS = tuple(CALLERS)
NON_OWNERS = [c for c in COLUMNS if c not in ("anonymous", "owner", "bound_client")]


def client_as(client_for, world: World, caller: str) -> tuple[APIClient, object]:
    user = CALLERS[caller](world)
    return (client_for(user) if user is not None else APIClient()), user


# --- the endpoints -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: Callable[[World], str]
    data: Callable[[World], dict] | None = None
    multipart: bool = False
    # Judges a success: it returns False (or fails an assertion) when the body or the effect is wrong.
    check: Callable[[World, object, object], None] = lambda w, user, response: None


def results(response) -> list[dict]:
    body = response.json()
    assert set(body) >= {"count", "next", "previous", "results"}
    return body["results"]


def _app(name: str) -> Callable[[World], str]:
    return lambda w: f"{API}/applications/{getattr(w, name).pk}/"


def check_created_draft(w, user, response):
    body = response.json()
    assert (body["business"], body["licence_type"], body["status"]) == (w.business.pk, w.medium.code, "draft")
    assert Application.objects.get(reference=body["reference"]).created_by == user


def check_file(w, user, response):
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def check_document_added(w, user, response):
    body = response.json()
    assert (body["requirement"], body["content_type"]) == (w.requirement.code, "application/pdf")
    assert (
        ApplicationDocument.objects.get(application=w.draft).document_id == body["id"] != w.draft_document.pk
    )


def check_bundle_document(w, user, response):
    body = response.json()
    assert body["applications"] == [a.reference for a in w.bundle.applications.order_by("id")]
    assert body["document"]["requirement"] == w.requirement.code


def check_public(w, user, response):
    body = response.json()
    assert (body["number"], body["holder"], body["status"]) == (w.permit.number, w.business.name, "active")
    assert "verification_code" not in body


ENDPOINTS: dict[str, Endpoint] = {
    "catalogue_activities": Endpoint(
        "GET",
        lambda w: f"{API}/catalogue/activities/?page_size=100",
        check=lambda w, u, r: w.activity.code in [a["code"] for a in results(r)],
    ),
    "catalogue_licence_types": Endpoint(
        "GET",
        lambda w: f"{API}/catalogue/licence-types/?page_size=100",
        check=lambda w, u, r: {w.medium.code, w.low.code} <= {lt["code"] for lt in results(r)},
    ),
    "catalogue_finder": Endpoint(
        "GET",
        lambda w: f"{API}/catalogue/finder/?activity={w.activity.code}",
        check=lambda w, u, r: {lt["code"] for lt in results(r)} == {w.medium.code, w.low.code},
    ),
    "applications_list": Endpoint("GET", lambda w: f"{API}/applications/", check=lambda w, u, r: results(r)),
    "applications_create": Endpoint(
        "POST",
        lambda w: f"{API}/applications/",
        data=lambda w: {"business": w.business.pk, "licence_type": w.medium.code, "answers": {}},
        check=check_created_draft,
    ),
    "draft_retrieve": Endpoint(
        "GET",
        _app("draft"),
        check=lambda w, u, r: (r.json()["reference"], r.json()["status"]) == (w.draft.reference, "draft"),
    ),
    "submitted_retrieve": Endpoint(
        "GET",
        _app("submitted"),
        check=lambda w, u, r: (
            (r.json()["reference"], r.json()["status"], r.json()["risk_tier"])
            == (w.submitted.reference, "submitted", "medium")
        ),
    ),
    "approved_retrieve": Endpoint(
        "GET",
        _app("approved"),
        check=lambda w, u, r: (
            (r.json()["status"], r.json()["permit"]["number"]) == ("approved", w.permit.number)
        ),
    ),
    "draft_partial_update": Endpoint(
        "PATCH",
        _app("draft"),
        data=lambda w: {"answers": {w.medium.question_links.get().question.key: 250}},
        check=lambda w, u, r: (
            r.json()["answers"]
            == Application.objects.get(pk=w.draft.pk).answers
            == {w.medium.question_links.get().question.key: 250}
        ),
    ),
    "draft_submit": Endpoint(
        "POST",
        lambda w: f"{API}/applications/{w.draft.pk}/submit/",
        data=lambda w: {},
        check=lambda w, u, r: (
            Application.objects.get(pk=w.draft.pk).status == r.json()["status"] == "submitted"
        ),
    ),
    "submitted_withdraw": Endpoint(
        "POST",
        lambda w: f"{API}/applications/{w.submitted.pk}/withdraw/",
        data=lambda w: {"reason": "Plans changed."},
        check=lambda w, u, r: (
            Application.objects.get(pk=w.submitted.pk).status == r.json()["status"] == "withdrawn"
        ),
    ),
    "submitted_documents_list": Endpoint(
        "GET",
        lambda w: f"{API}/applications/{w.submitted.pk}/documents/",
        check=lambda w, u, r: [d["id"] for d in results(r)] == [w.submitted_document.pk],
    ),
    "draft_documents_list": Endpoint(
        "GET",
        lambda w: f"{API}/applications/{w.draft.pk}/documents/",
        check=lambda w, u, r: [d["id"] for d in results(r)] == [w.draft_document.pk],
    ),
    "draft_documents_create": Endpoint(
        "POST",
        lambda w: f"{API}/applications/{w.draft.pk}/documents/",
        data=lambda w: {"requirement": w.requirement.code, "file": pdf_file("licence.pdf")},
        multipart=True,
        check=check_document_added,
    ),
    "submitted_document_file": Endpoint(
        "GET",
        lambda w: f"{API}/applications/{w.submitted.pk}/documents/{w.submitted_document.pk}/file/",
        check=check_file,
    ),
    "submitted_messages_list": Endpoint(
        "GET",
        lambda w: f"{API}/applications/{w.submitted.pk}/messages/",
        check=lambda w, u, r: [m["body"] for m in results(r)] == [w.message.body],
    ),
    "draft_messages_list": Endpoint(
        "GET",
        lambda w: f"{API}/applications/{w.draft.pk}/messages/",
        check=lambda w, u, r: results(r) == [],
    ),
    "submitted_messages_create": Endpoint(
        "POST",
        lambda w: f"{API}/applications/{w.submitted.pk}/messages/",
        data=lambda w: {"body": "The venue plan is attached."},
        check=lambda w, u, r: (
            (r.json()["author"], r.json()["body"]) == (u.username, "The venue plan is attached.")
            and w.submitted.messages.count() == 2
        ),
    ),
    "bundles_create": Endpoint(
        "POST",
        lambda w: f"{API}/bundles/",
        data=lambda w: {
            "business": w.business.pk,
            "licence_types": [w.medium.code, w.low.code],
            "answers": {},
        },
        check=lambda w, u, r: (
            (r.json()["business"], r.json()["status"]) == (w.business.pk, "draft")
            and [a["licence_type"] for a in r.json()["applications"]] == [w.medium.code, w.low.code]
        ),
    ),
    "bundle_retrieve": Endpoint(
        "GET",
        lambda w: f"{API}/bundles/{w.bundle.pk}/",
        check=lambda w, u, r: (r.json()["id"], r.json()["status"]) == (w.bundle.pk, "draft"),
    ),
    "bundle_submit": Endpoint(
        "POST",
        lambda w: f"{API}/bundles/{w.bundle.pk}/submit/",
        data=lambda w: {},
        check=lambda w, u, r: (
            r.json()["status"] == "in_review"
            and [a["status"] for a in r.json()["applications"]] == ["submitted"]
        ),
    ),
    "bundle_documents_create": Endpoint(
        "POST",
        lambda w: f"{API}/bundles/{w.bundle.pk}/documents/",
        data=lambda w: {"requirement": w.requirement.code, "file": pdf_file("venue-plan.pdf")},
        multipart=True,
        check=check_bundle_document,
    ),
    "permits_list": Endpoint("GET", lambda w: f"{API}/permits/", check=lambda w, u, r: results(r)),
    "public_permit_verify": Endpoint(
        "GET",
        lambda w: f"{API}/public/permits/{w.permit.number}/?code={w.permit.verification_code}",
        check=check_public,
    ),
}

# The matrix. Columns, in order: anonymous, owner, another entrepreneur, an official of the licence
# type's authority (clearance high), an official of another authority, a council member, an API
# client bound to the owner's business, an API client with no business.
# fmt: off
EXPECTED: dict[str, tuple[int, ...]] = {
    #                              anon  owner other a_off o_off counc bound unbnd
    "catalogue_activities":      (200,  200,  200,  200,  200,  200,  200,  200),
    "catalogue_licence_types":   (200,  200,  200,  200,  200,  200,  200,  200),
    "catalogue_finder":          (200,  200,  200,  200,  200,  200,  200,  200),
    "applications_list":         (401,  200,  200,  200,  200,  200,  200,  200),
    "applications_create":       (401,  201,  404,  404,  404,  404,  201,  404),
    "draft_retrieve":            (401,  200,  404,  404,  404,  404,  200,  404),
    "submitted_retrieve":        (401,  200,  404,  200,  404,  404,  200,  404),
    "approved_retrieve":         (401,  200,  404,  200,  404,  404,  200,  404),
    "draft_partial_update":      (401,  200,  404,  404,  404,  404,  200,  404),
    "draft_submit":              (401,  200,  404,  404,  404,  404,  200,  404),
    "submitted_withdraw":        (401,  200,  404,  404,  404,  404,  200,  404),
    "submitted_documents_list":  (401,  200,  404,  200,  404,  404,  200,  404),
    "draft_documents_list":      (401,  200,  404,  404,  404,  404,  200,  404),
    "draft_documents_create":    (401,  201,  404,  404,  404,  404,  201,  404),
    "submitted_document_file":   (401,  200,  404,  200,  404,  404,  200,  404),
    "submitted_messages_list":   (401,  200,  404,  200,  404,  404,  200,  404),
    "draft_messages_list":       (401,  200,  404,  404,  404,  404,  200,  404),
    "submitted_messages_create": (401,  201,  404,  404,  404,  404,  201,  404),
    "bundles_create":            (401,  201,  404,  404,  404,  404,  201,  404),
    "bundle_retrieve":           (401,  200,  404,  404,  404,  404,  200,  404),
    "bundle_submit":             (401,  200,  404,  404,  404,  404,  200,  404),
    "bundle_documents_create":   (401,  201,  404,  404,  404,  404,  201,  404),
    "permits_list":              (401,  200,  200,  200,  200,  200,  200,  200),
    "public_permit_verify":      (200,  200,  200,  200,  200,  200,  200,  200),
}
# fmt: on

ERROR_CODES = {401: "not_authenticated", 404: "not_found"}

CELLS = [
    pytest.param(endpoint, caller, status, id=f"{endpoint}-{caller}")
    for endpoint, row in EXPECTED.items()
    for caller, status in zip(COLUMNS, row, strict=True)
]


def test_the_matrix_covers_every_route_of_the_permits_api(world):
    # given: every route of permits/api/urls.py
    names = {pattern.name for pattern in permits_urlpatterns}

    # when: the path each endpoint of the matrix calls is resolved
    resolved = {resolve(spec.path(world).split("?")[0]).url_name for spec in ENDPOINTS.values()}

    # then: the matrix reaches every route, and every row has one cell per caller
    assert resolved == names
    assert set(EXPECTED) == set(ENDPOINTS)
    assert all(len(row) == len(COLUMNS) for row in EXPECTED.values())


def snapshot() -> dict:
    """Everything a refused request must leave untouched."""
    return {
        "applications": list(
            Application.objects.order_by("id").values_list("id", "status", "version", "answers")
        ),
        "documents": list(Document.objects.order_by("id").values_list("id", flat=True)),
        "links": list(ApplicationDocument.objects.order_by("id").values_list("id", "document_id")),
        "messages": list(Message.objects.order_by("id").values_list("id", flat=True)),
        "bundles": list(Bundle.objects.order_by("id").values_list("id", "submitted_at")),
        "permits": list(Permit.objects.order_by("id").values_list("id", "status")),
    }


@pytest.mark.parametrize(("endpoint", "caller", "expected"), CELLS)
def test_permission_matrix(world, client_for, endpoint, caller, expected):
    # given: the owner's objects and one caller
    spec = ENDPOINTS[endpoint]
    client, user = client_as(client_for, world, caller)
    before = snapshot()

    # when
    data = spec.data(world) if spec.data else None
    request = getattr(client, spec.method.lower())
    response = request(spec.path(world), data, format="multipart" if spec.multipart else "json")

    # then
    body = None if response.streaming else response.json()
    assert response.status_code == expected, body
    if expected < 400:
        assert spec.check(world, user, response) is not False
    else:
        assert body["code"] == ERROR_CODES[expected]
        assert set(body) == {"code", "detail"}
        assert snapshot() == before


# --- lists never leak ------------------------------------------------------------------------

# Which of the owner's applications (by role in the world) and whether the owner's permit each
# caller finds in its lists.
# fmt: off
LIST_EXPECTED: dict[str, tuple[set[str], bool]] = {
    "owner":              ({"draft", "submitted", "approved", "bundle"}, True),
    "bound_client":       ({"draft", "submitted", "approved", "bundle"}, True),
    "other_entrepreneur": (set(), False),
    "authority_official": ({"submitted", "approved"}, True),
    "other_official":     (set(), False),
    "council_member":     (set(), False),
    "unbound_client":     (set(), False),
}
# fmt: on


@pytest.mark.parametrize("caller", list(LIST_EXPECTED))
def test_lists_show_only_what_the_caller_may_see(world, client_for, caller):
    # given
    client, _ = client_as(client_for, world, caller)
    owner_refs = world.owner_references()
    expected_apps, sees_permit = LIST_EXPECTED[caller]

    # when
    applications = client.get(f"{API}/applications/", {"page_size": 100})
    permits = client.get(f"{API}/permits/", {"page_size": 100})

    # then
    assert (applications.status_code, permits.status_code) == (200, 200)
    listed_refs = {a["reference"] for a in results(applications)}
    listed_numbers = {p["number"] for p in results(permits)}
    assert {role for role, ref in owner_refs.items() if ref in listed_refs} == expected_apps
    assert (world.permit.number in listed_numbers) is sees_permit
    if caller == "other_entrepreneur":
        assert listed_refs == {world.stranger_application.reference}
    if caller in NON_OWNERS and caller != "authority_official":
        assert listed_refs.isdisjoint(owner_refs.values())
        assert listed_numbers == set()


def test_the_applications_list_paginates_only_the_visible_rows(world, client_for):
    # given: an official of the authority, who may see two of the owner's five applications
    client, _ = client_as(client_for, world, "authority_official")

    # when
    body = client.get(f"{API}/applications/", {"page_size": 1}).json()

    # then: the count is of what they may see, not of every row
    assert body["count"] == 2
    assert len(body["results"]) == 1


# --- public verification ---------------------------------------------------------------------


def test_a_wrong_code_is_answered_exactly_like_an_unknown_number(world, api_client):
    # given
    number, code = world.permit.number, world.permit.verification_code
    wrong_code = ("A" if code[0] != "A" else "B") + code[1:]

    # when
    wrong = api_client.get(f"{API}/public/permits/{number}/", {"code": wrong_code})
    missing_code = api_client.get(f"{API}/public/permits/{number}/")
    unknown = api_client.get(f"{API}/public/permits/KZ-NOPE-2026-999999/", {"code": code})

    # then
    assert wrong.status_code == missing_code.status_code == unknown.status_code == 404
    assert wrong.json() == missing_code.json() == unknown.json()
    assert wrong.json()["code"] == "not_found"
    assert number not in wrong.content.decode()


def test_public_verification_ignores_the_token_and_shows_no_private_fields(world, client_for):
    # given: a caller with a token that is not even the holder's
    client = client_for(EntrepreneurFactory())

    # when
    response = client.get(
        f"{API}/public/permits/{world.permit.number}/", {"code": world.permit.verification_code}
    )

    # then
    assert response.status_code == 200
    assert set(response.json()) == {
        "number",
        "holder",
        "licence_type",
        "licence_type_name",
        "status",
        "issued_at",
        "valid_until",
    }


@pytest.fixture
def verify_rate_3_per_minute(monkeypatch):
    # DRF read the rates into the class attribute at import time; patch it, keeping the other scopes.
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "verify": "3/minute"}
    )


def test_public_verification_is_throttled(world, api_client, verify_rate_3_per_minute):
    # given
    path = f"{API}/public/permits/{world.permit.number}/"
    params = {"code": world.permit.verification_code}

    # when
    statuses = [api_client.get(path, params).status_code for _ in range(3)]
    throttled = api_client.get(path, params)

    # then
    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert "Retry-After" in throttled


def test_guessing_codes_uses_up_the_verification_rate(world, api_client, verify_rate_3_per_minute):
    # given: three wrong guesses
    path = f"{API}/public/permits/{world.permit.number}/"
    guesses = [api_client.get(path, {"code": f"WRONG{i}"}).status_code for i in range(3)]

    # when: the right code comes fourth
    response = api_client.get(path, {"code": world.permit.verification_code})

    # then: the guesser is throttled, not told the answer
    assert guesses == [404, 404, 404]
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_the_throttle_window_reopens_after_a_minute(world, api_client, verify_rate_3_per_minute):
    # given: the rate used up
    path = f"{API}/public/permits/{world.permit.number}/"
    params = {"code": world.permit.verification_code}
    for _ in range(3):
        api_client.get(path, params)
    assert api_client.get(path, params).status_code == 429

    # when: a minute later
    with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
        response = api_client.get(path, params)

    # then
    assert response.status_code == 200


# --- edges of the matrix ---------------------------------------------------------------------


def test_a_document_is_reachable_only_through_the_application_it_belongs_to(world, client_for):
    # given: the authority's official, who may see the submitted application but not the draft
    client, _ = client_as(client_for, world, "authority_official")

    # when: they ask for the draft's document through the submitted application's URL
    response = client.get(
        f"{API}/applications/{world.submitted.pk}/documents/{world.draft_document.pk}/file/"
    )

    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_bad_token_is_refused_but_public_verification_ignores_it(world):
    # given: a client sending a token that does not exist
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)

    # when
    private = client.get(f"{API}/applications/")
    public = client.get(
        f"{API}/public/permits/{world.permit.number}/", {"code": world.permit.verification_code}
    )

    # then: the private list says why; public verification does not look at the token
    assert private.status_code == 401
    assert private.json()["code"] == "authentication_failed"
    assert public.status_code == 200
    assert public.json()["number"] == world.permit.number


def test_an_idempotency_key_never_replays_another_callers_answer(world, client_for):
    # given: the owner created a draft with an Idempotency-Key
    owner = client_for(world.owner)
    body = {"business": world.business.pk, "licence_type": world.medium.code, "answers": {}}
    first = owner.post(f"{API}/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="create-1")
    assert first.status_code == 201

    # when: another entrepreneur sends the very same request with the same key
    stranger = client_for(world.stranger)
    response = stranger.post(f"{API}/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="create-1")

    # then: they are told the business is not theirs, not shown the owner's application
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "Idempotent-Replayed" not in response
    assert first.json()["reference"] not in response.content.decode()
