"""Who may do what, over every endpoint of `permits/api/urls.py`, for every kind of caller.

Each (endpoint, caller) cell of `EXPECTED` is its own test: a fresh world, one caller, one real HTTP
request.

The world: an authority with four officials (cleared low, medium and high, and a supervisor), an
official of another authority, and the owner's objects: a draft; a medium application submitted
before any official existed, so it waits unassigned (for `claim/`), with a document and a message;
a medium application in review, assigned on submission to the medium official, with an internal
note; one waiting on the owner after an information request (for `resubmit/`); an approved
low-tier notification with its permit; a permit suspended by the supervisor; a permit drawn for a
post-issue check; a bundle. The low official has declared a link to another entrepreneur's
business. Two more officials of the authority, both cleared high, are tied to the owner's business:
the member official is a member of it, the conflicted official declared a conflict of interest with
it.

The rules the table encodes (DESIGN §7): the catalogue and public verification are open to all;
everything else needs a token (401 `not_authenticated`). A foreign object is a 404 `not_found`,
never a 403 that would confirm it exists: an official sees their authority's submitted files up to
their clearance (never a draft) and the permits it issued. Someone who may see a file but may not
do this to it gets a 403 whose code says why; a move the state machine does not allow is a 409. A
refused request changes nothing. Who comes before what: an official of the authority who sees a file
but does an applicant's action on it is a 403 `not_the_applicant`, and the applicant doing an
official's action on their own file is a 403 `not_an_official` whatever state it is in.

A tie to a business is a conflict by rule (accounts `CONFLICT_LINKS`) and takes its files away from
the official: the conflicted official gets a 404 on every one of the owner's files and permits, as an
official of another authority would, and finds none of them in a list or the queue. The member
official is the applicant too: they read and act on the owner's files as the owner does (drafts,
submission, messages, documents, bundles), and every official's action on them (claim, decide,
request information, notes, permit actions, post-checks) is a 403 `conflict_of_interest`, or
`not_a_supervisor` for what only a supervisor may do.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from django.urls import resolve
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from permits.api.urls import urlpatterns as permits_urlpatterns
from permits.errors import PermitErrorCode
from permits.models import (
    OPEN_STATUSES as OPEN,
)
from permits.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    Bundle,
    Document,
    InternalNote,
    Message,
    Permit,
    PermitStatus,
    PostCheckStatus,
    Review,
)
from permits.services.applications import application_submit, message_post
from permits.services.bundles import bundle_create
from permits.services.documents import application_document_attach, bundle_document_attach
from permits.services.permits import permit_suspend
from permits.services.review import application_request_info, conflict_declare, note_add
from portal.accounts.models import ConflictOfInterest
from portal.api.errors import ErrorCode
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests import matrix
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


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _frozen_time_and_media(settings, media_root):
    settings.MEDIA_ROOT = media_root
    settings.PORTAL_POST_CHECK_SHARE = 0.0  # no low-tier permit is drawn for a check unless said so
    with time_machine.travel(NOW, tick=False):
        yield


# --- the world ---------------------------------------------------------------------------------

# The callers, in the order of the matrix's columns.
COLUMNS = (
    "anonymous",
    "owner",
    "other_entrepreneur",
    "official_low",  # officials of the licence types' authority, by clearance
    "official_medium",
    "official_high",
    "supervisor",  # of that authority (clearance high)
    "member_official",  # of that authority (clearance high), a member of the owner's business
    "conflicted_official",  # of that authority (clearance high), declared a link to the owner's business
    "other_official",  # of another authority (clearance high)
    "council_member",
    "bound_client",  # an API client bound to the owner's business
    "unbound_client",  # an API client with no business
)
OFFICIALS_OF_THE_AUTHORITY = ("official_low", "official_medium", "official_high", "supervisor")


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
    submitted: Application  # medium, submitted before any official existed: unassigned
    submitted_document: Document
    message: Message
    approved: Application  # low tier: approved with its permit on submission
    permit: Permit
    review: Application  # medium, in review, assigned to the medium official
    note: InternalNote
    info: Application  # medium, info_requested by the high official it was assigned to
    suspended: Application
    suspended_permit: Permit  # suspended by the supervisor
    checked: Application
    checked_permit: Permit  # drawn for a post-issue check
    bundle: Bundle
    stranger: object  # another entrepreneur, with an application of their own
    stranger_application: Application
    conflict: ConflictOfInterest  # the low official's link to the stranger's business
    owner_conflict: ConflictOfInterest  # the conflicted official's link to the owner's business
    people: dict[str, object]  # caller -> user (None for anonymous)

    def caller_of(self, user) -> str:
        return next(name for name, person in self.people.items() if person == user)

    def owner_references(self) -> dict[str, str]:
        refs = {
            role: getattr(self, role).reference
            for role in ("draft", "submitted", "approved", "review", "info", "suspended", "checked")
        }
        for application in self.bundle.applications.all():
            refs["bundle"] = application.reference
        return refs

    def permit_numbers(self) -> dict[str, str]:
        return {
            "permit": self.permit.number,
            "suspended": self.suspended_permit.number,
            "checked": self.checked_permit.number,
        }


def _attach(owner, application, requirement) -> Document:
    return application_document_attach(
        actor=owner, application_id=application.pk, requirement_code=requirement.code, upload=pdf_upload()
    )


def _submitted(owner, business, licence_type, requirement=None) -> tuple[Application, Document | None]:
    application = DraftApplicationFactory(business=business, licence_type=licence_type, created_by=owner)
    document = _attach(owner, application, requirement) if requirement else None
    application_submit(actor=owner, application_id=application.pk)
    application.refresh_from_db()
    return application, document


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
    stranger = EntrepreneurFactory()

    # a complete draft (it has its document), so the owner may submit it
    draft = DraftApplicationFactory(business=business, licence_type=medium, created_by=owner)
    draft_document = _attach(owner, draft, requirement)

    # submitted while the authority has no official: it waits, unassigned, for someone to claim it
    submitted, submitted_document = _submitted(owner, business, medium, requirement)
    message = message_post(actor=owner, application_id=submitted.pk, body="When can we expect a decision?")

    # a low-tier notification: approved with its permit on submission
    approved, _ = _submitted(owner, business, low)

    # the officials, created in this order: assignment breaks ties in load by user id
    people = {
        "official_low": OfficialProfileFactory(authority=authority, low=True).user,
        "official_medium": OfficialProfileFactory(authority=authority).user,
        "official_high": OfficialProfileFactory(authority=authority, high=True).user,
        "supervisor": OfficialProfileFactory(authority=authority, supervisor=True).user,
        # tied to the owner's business before anything of it is assigned: neither is ever chosen
        **matrix.tied_officials(business, authority=authority),
        "other_official": OfficialProfileFactory(authority=AuthorityFactory(), high=True).user,
    }
    owner_conflict = ConflictOfInterest.objects.get(official=people["conflicted_official"])

    # assigned on submission to the least-loaded eligible official: medium and high both have
    # nothing, and medium has the lower id; the next one then goes to high (0 files against 1)
    review, _ = _submitted(owner, business, medium, requirement)
    note = note_add(actor=people["official_medium"], application=review, body="The lease ends in May.")
    info, _ = _submitted(owner, business, medium, requirement)
    application_request_info(
        actor=people["official_high"], application_id=info.pk, message="Send the signed lease."
    )

    # a permit the supervisor suspended, and one drawn for a post-issue check
    suspended, _ = _submitted(owner, business, low)
    permit_suspend(actor=people["supervisor"], number=suspended.permit.number, reason="Noise complaint.")
    with override_settings(PORTAL_POST_CHECK_SHARE=1.0):
        checked, _ = _submitted(owner, business, low)

    # a bundle ready to submit (its one application has the document it needs)
    bundle = bundle_create(actor=owner, business=business, licence_type_codes=[medium.code], answers={})
    bundle_document_attach(actor=owner, bundle=bundle, requirement_code=requirement.code, upload=pdf_upload())

    stranger_business = stranger.memberships.get().business
    stranger_application = DraftApplicationFactory(
        business=stranger_business, licence_type=medium, created_by=stranger
    )
    conflict = conflict_declare(
        actor=people["official_low"],
        official=people["official_low"],
        business=stranger_business,
        reason="My brother runs this studio.",
    )
    people |= {
        "anonymous": None,
        "owner": owner,
        "other_entrepreneur": stranger,
        "council_member": CouncilMemberFactory().user,
        "bound_client": ApiClientFactory(business=business).user,
        "unbound_client": ApiClientFactory().user,
    }

    for application in (submitted, approved, review, info, suspended, checked):
        application.refresh_from_db()
    assert [
        (a.status, a.assigned_to_id) for a in (submitted, approved, review, info, suspended, checked)
    ] == [
        (ApplicationStatus.SUBMITTED, None),
        (ApplicationStatus.APPROVED, None),
        (ApplicationStatus.IN_REVIEW, people["official_medium"].pk),
        (ApplicationStatus.INFO_REQUESTED, people["official_high"].pk),
        (ApplicationStatus.APPROVED, None),
        (ApplicationStatus.APPROVED, None),
    ]
    assert (approved.permit.post_check_status, checked.permit.post_check_status) == (
        PostCheckStatus.NOT_SAMPLED,
        PostCheckStatus.PENDING,
    )
    assert suspended.permit.status == PermitStatus.SUSPENDED
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
        permit=approved.permit,
        review=review,
        note=note,
        info=info,
        suspended=suspended,
        suspended_permit=suspended.permit,
        checked=checked,
        checked_permit=checked.permit,
        bundle=bundle,
        stranger=stranger,
        stranger_application=stranger_application,
        conflict=conflict,
        owner_conflict=owner_conflict,
        people=people,
    )


@pytest.fixture(scope="module")
def _the_world(django_db_setup, django_db_blocker, media_root):
    """The world, built once for the module inside a transaction that is rolled back at its end.

    Each test runs in pytest-django's own transaction, a savepoint inside this one, rolled back
    after the test: every test starts from this very world, as with Django's `setUpTestData`, and
    several hundred cells do not each pay for building it.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with (
                time_machine.travel(NOW, tick=False),
                override_settings(MEDIA_ROOT=media_root, PORTAL_POST_CHECK_SHARE=0.0),
            ):
                world = build_world()
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(_the_world, db) -> World:
    # a copy, so that nothing a test does to these Python objects reaches the next test
    return copy.deepcopy(_the_world)


def client_as(client_for, world: World, caller: str) -> tuple[APIClient, object]:
    user = world.people[caller]
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


def _app(name: str, action: str = "") -> Callable[[World], str]:
    return lambda w: f"{API}/applications/{getattr(w, name).pk}/{action}"


def _permit(name: str, action: str) -> Callable[[World], str]:
    return lambda w: f"{API}/permits/{getattr(w, name).number}/{action}/"


def check_created_draft(w, user, response):
    body = response.json()
    assert (body["business"], body["licence_type"], body["status"]) == (w.business.pk, w.medium.code, "draft")
    assert Application.objects.get(reference=body["reference"]).created_by == user


def check_draft_submitted(w, user, response):
    # medium and high hold one open file each: the tie goes to the lower id, the medium official
    body = response.json()
    assert Application.objects.get(pk=w.draft.pk).status == body["status"] == "in_review"
    assert body["assigned_to"] == w.people["official_medium"].username


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


def check_claimed(w, user, response):
    body = response.json()
    assert (body["status"], body["assigned_to"]) == ("in_review", user.username)
    assert Application.objects.get(pk=w.submitted.pk).assigned_to == user


def check_decided(w, user, response):
    body = response.json()
    assert (body["status"], body["decision_reason"]) == ("approved", "Premises and staff fit.")
    assert body["permit"]["number"] == Permit.objects.get(application=w.review).number
    assert list(Review.objects.filter(application=w.review).values_list("stage", "reviewer", "outcome")) == [
        ("first", user.pk, "approved")
    ]


def check_info_requested(w, user, response):
    assert response.json()["status"] == "info_requested"
    last = w.review.messages.order_by("id").last()
    assert (last.author, last.body) == (user, "Send the fire-safety certificate.")


def check_reassigned(w, user, response):
    high = w.people["official_high"]
    assert (response.json()["status"], response.json()["assigned_to"]) == ("in_review", high.username)
    assert Application.objects.get(pk=w.review.pk).assigned_to == high


def check_notes(w, user, response):
    assert [(n["author"], n["body"]) for n in results(response)] == [
        (w.people["official_medium"].username, w.note.body)
    ]


def check_note_added(w, user, response):
    assert (response.json()["author"], response.json()["body"]) == (user.username, "Called the venue.")
    assert list(w.review.internal_notes.order_by("id").values_list("author", flat=True)) == [
        w.people["official_medium"].pk,
        user.pk,
    ]


def check_resubmitted(w, user, response):
    body = response.json()
    assert (body["status"], body["assigned_to"]) == ("in_review", w.people["official_high"].username)
    assert w.info.messages.order_by("id").last().body == "The signed lease is attached."


# What each official finds in their queue, oldest first (all were submitted at the same frozen
# instant, so in creation order): never above their clearance, never another authority's.
QUEUE: dict[str, list[str]] = {
    "official_low": ["checked"],
    "official_medium": ["submitted", "review", "info", "checked"],
    "official_high": ["submitted", "review", "info", "checked"],
    "supervisor": ["submitted", "review", "info", "checked"],
    "member_official": [],
    "conflicted_official": [],
    "other_official": [],
}


def check_queue(w, user, response):
    roles = QUEUE[w.caller_of(user)]
    items = results(response)
    assert [i["reference"] for i in items] == [getattr(w, role).reference for role in roles]
    assert [i["kind"] for i in items] == ["post_check" if r == "checked" else "review" for r in roles]


def check_conflicts(w, user, response):
    # an official sees their own declarations, a supervisor their whole authority's
    sees = {
        "official_low": {w.conflict.pk},
        "conflicted_official": {w.owner_conflict.pk},
        "supervisor": {w.conflict.pk, w.owner_conflict.pk},
    }.get(w.caller_of(user), set())
    assert {c["id"] for c in results(response)} == sees


def check_conflict_declared(w, user, response):
    body = response.json()
    assert (body["official"], body["business"]["id"], body["source"]) == (
        user.username,
        w.business.pk,
        "declared",
    )
    assert ConflictOfInterest.objects.filter(official=user, business=w.business).count() == 1
    # whatever of the business's open files they held went to someone else
    assert not Application.objects.filter(assigned_to=user, business=w.business, status__in=OPEN).exists()


def check_permit_status(name: str, status: str) -> Callable:
    def check(w, user, response):
        permit = getattr(w, name)
        assert response.json()["number"] == permit.number
        assert response.json()["status"] == Permit.objects.get(pk=permit.pk).status == status

    return check


def check_post_check(w, user, response):
    assert (response.json()["post_check_status"], response.json()["status"]) == ("passed", "active")
    assert not Application.objects.get(pk=w.checked.pk).post_check_pending
    assert list(Review.objects.filter(application=w.checked).values_list("stage", "reviewer", "outcome")) == [
        ("post_check", user.pk, "passed")
    ]


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
    "catalogue_calendar": Endpoint(
        "GET",
        lambda w: f"{API}/catalogue/calendar/?year=2029",
        check=lambda w, u, r: r.json()["year"] == 2029 and r["Cache-Control"],
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
        "POST", _app("draft", "submit/"), data=lambda w: {}, check=check_draft_submitted
    ),
    "submitted_withdraw": Endpoint(
        "POST",
        _app("submitted", "withdraw/"),
        data=lambda w: {"reason": "Plans changed."},
        check=lambda w, u, r: (
            Application.objects.get(pk=w.submitted.pk).status == r.json()["status"] == "withdrawn"
        ),
    ),
    "submitted_documents_list": Endpoint(
        "GET",
        _app("submitted", "documents/"),
        check=lambda w, u, r: [d["id"] for d in results(r)] == [w.submitted_document.pk],
    ),
    "draft_documents_list": Endpoint(
        "GET",
        _app("draft", "documents/"),
        check=lambda w, u, r: [d["id"] for d in results(r)] == [w.draft_document.pk],
    ),
    "draft_documents_create": Endpoint(
        "POST",
        _app("draft", "documents/"),
        data=lambda w: {"requirement": w.requirement.code, "file": pdf_file("licence.pdf")},
        multipart=True,
        check=check_document_added,
    ),
    "info_documents_create": Endpoint(  # the answer to an information request: officials see the file
        "POST",
        _app("info", "documents/"),
        data=lambda w: {"requirement": w.requirement.code, "file": pdf_file("signed-lease.pdf")},
        multipart=True,
        check=lambda w, u, r: (
            ApplicationDocument.objects.get(application=w.info).document_id == r.json()["id"]
        ),
    ),
    "submitted_document_file": Endpoint(
        "GET",
        lambda w: f"{API}/applications/{w.submitted.pk}/documents/{w.submitted_document.pk}/file/",
        check=check_file,
    ),
    "submitted_messages_list": Endpoint(
        "GET",
        _app("submitted", "messages/"),
        check=lambda w, u, r: [m["body"] for m in results(r)] == [w.message.body],
    ),
    "draft_messages_list": Endpoint(
        "GET",
        _app("draft", "messages/"),
        check=lambda w, u, r: results(r) == [],
    ),
    "submitted_messages_create": Endpoint(
        "POST",
        _app("submitted", "messages/"),
        data=lambda w: {"body": "The venue plan is attached."},
        check=lambda w, u, r: (
            (r.json()["author"], r.json()["body"]) == (u.username, "The venue plan is attached.")
            and w.submitted.messages.count() == 2
        ),
    ),
    # --- the authority's side of an application
    "submitted_claim": Endpoint("POST", _app("submitted", "claim/"), data=lambda w: {}, check=check_claimed),
    "review_claim": Endpoint("POST", _app("review", "claim/"), data=lambda w: {}),  # already assigned
    "review_decide": Endpoint(
        "POST",
        _app("review", "decide/"),
        data=lambda w: {"decision": "approve", "reason": "Premises and staff fit."},
        check=check_decided,
    ),
    "review_request_info": Endpoint(
        "POST",
        _app("review", "request-info/"),
        data=lambda w: {"message": "Send the fire-safety certificate."},
        check=check_info_requested,
    ),
    "review_reassign": Endpoint(
        "POST",
        _app("review", "reassign/"),
        data=lambda w: {
            "to": w.people["official_high"].username,
            "reason": "The medium official is on leave.",
        },
        check=check_reassigned,
    ),
    "review_notes_list": Endpoint("GET", _app("review", "notes/"), check=check_notes),
    "review_notes_create": Endpoint(
        "POST", _app("review", "notes/"), data=lambda w: {"body": "Called the venue."}, check=check_note_added
    ),
    "info_resubmit": Endpoint(
        "POST",
        _app("info", "resubmit/"),
        data=lambda w: {"message": "The signed lease is attached."},
        check=check_resubmitted,
    ),
    "review_queue": Endpoint("GET", lambda w: f"{API}/review/queue/", check=check_queue),
    "conflicts_list": Endpoint("GET", lambda w: f"{API}/review/conflicts/", check=check_conflicts),
    "conflicts_create": Endpoint(
        "POST",
        lambda w: f"{API}/review/conflicts/",
        data=lambda w: {"business": w.business.pk, "reason": "My cousin runs this studio."},
        check=check_conflict_declared,
    ),
    # --- bundles
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
        # its medium application is assigned at once (officials exist)
        check=lambda w, u, r: (
            r.json()["status"] == "in_review"
            and [a["status"] for a in r.json()["applications"]] == ["in_review"]
        ),
    ),
    "bundle_documents_create": Endpoint(
        "POST",
        lambda w: f"{API}/bundles/{w.bundle.pk}/documents/",
        data=lambda w: {"requirement": w.requirement.code, "file": pdf_file("venue-plan.pdf")},
        multipart=True,
        check=check_bundle_document,
    ),
    # --- permits
    "permits_list": Endpoint("GET", lambda w: f"{API}/permits/", check=lambda w, u, r: results(r)),
    "permit_suspend": Endpoint(
        "POST",
        _permit("permit", "suspend"),
        data=lambda w: {"reason": "A complaint about noise is under review."},
        check=check_permit_status("permit", "suspended"),
    ),
    "suspended_permit_reinstate": Endpoint(
        "POST",
        _permit("suspended_permit", "reinstate"),
        data=lambda w: {"reason": "The complaint was withdrawn."},
        check=check_permit_status("suspended_permit", "active"),
    ),
    "active_permit_reinstate": Endpoint(  # not suspended: an invalid move
        "POST", _permit("permit", "reinstate"), data=lambda w: {"reason": "By mistake."}
    ),
    "permit_revoke": Endpoint(
        "POST",
        _permit("permit", "revoke"),
        data=lambda w: {"reason": "The premises were closed by court order."},
        check=check_permit_status("permit", "revoked"),
    ),
    "checked_permit_check": Endpoint(
        "POST",
        _permit("checked_permit", "check"),
        data=lambda w: {"outcome": "passed", "reason": "Premises inspected; all in order."},
        check=check_post_check,
    ),
    "public_permit_verify": Endpoint(
        "GET",
        lambda w: f"{API}/public/permits/{w.permit.number}/?code={w.permit.verification_code}",
        check=check_public,
    ),
}

# The matrix: one column per caller of COLUMNS, in that order. A 403 or a 409 cell names the error
# code it answers with: "403o" not_an_official, "403a" not_assigned, "403s" not_a_supervisor,
# "403n" not_the_applicant, "403c" conflict_of_interest, "409t" invalid_transition, "409l"
# not_claimable, "409d" already_declared. A 401 is always `not_authenticated`, a 404 always
# `not_found`.
#
# Internal notes follow the file's visibility: the low official cannot see a medium file, nor its notes;
# the applicant sees the file, so its notes are a 403, not a 404.
# fmt: off
EXPECTED: dict[str, tuple[int | str, ...]] = {
    #                              anon  owner   other   o_low   o_med   o_high  superv  member  confl   o_oth   counc   bound   unbnd
    "catalogue_activities":       (200,  200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "catalogue_licence_types":    (200,  200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "catalogue_finder":           (200,  200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "catalogue_calendar":         (200,  200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "applications_list":          (401,  200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "applications_create":        (401,  201,    404,    404,    404,    404,    404,    201,    404,    404,    404,    201,    404),
    "draft_retrieve":             (401,  200,    404,    404,    404,    404,    404,    200,    404,    404,    404,    200,    404),
    "submitted_retrieve":         (401,  200,    404,    404,    200,    200,    200,    200,    404,    404,    404,    200,    404),
    "approved_retrieve":          (401,  200,    404,    200,    200,    200,    200,    200,    404,    404,    404,    200,    404),
    "draft_partial_update":       (401,  200,    404,    404,    404,    404,    404,    200,    404,    404,    404,    200,    404),
    "draft_submit":               (401,  200,    404,    404,    404,    404,    404,    200,    404,    404,    404,    200,    404),
    "submitted_withdraw":         (401,  200,    404,    404,    "403n", "403n", "403n", 200,    404,    404,    404,    200,    404),
    "submitted_documents_list":   (401,  200,    404,    404,    200,    200,    200,    200,    404,    404,    404,    200,    404),
    "draft_documents_list":       (401,  200,    404,    404,    404,    404,    404,    200,    404,    404,    404,    200,    404),
    "draft_documents_create":     (401,  201,    404,    404,    404,    404,    404,    201,    404,    404,    404,    201,    404),
    "info_documents_create":      (401,  201,    404,    404,    "403n", "403n", "403n", 201,    404,    404,    404,    201,    404),
    "submitted_document_file":    (401,  200,    404,    404,    200,    200,    200,    200,    404,    404,    404,    200,    404),
    "submitted_messages_list":    (401,  200,    404,    404,    200,    200,    200,    200,    404,    404,    404,    200,    404),
    "draft_messages_list":        (401,  200,    404,    404,    404,    404,    404,    200,    404,    404,    404,    200,    404),
    "submitted_messages_create":  (401,  201,    404,    404,    "403n", "403n", "403n", 201,    404,    404,    404,    201,    404),
    "submitted_claim":            (401,  "403o", 404,    404,    200,    200,    200,    "403c", 404,    404,    404,    "403o", 404),
    "review_claim":               (401,  "403o", 404,    404,    "409l", "409l", "409l", "403c", 404,    404,    404,    "403o", 404),
    "review_decide":              (401,  "403o", 404,    404,    200,    "403a", "403a", "403c", 404,    404,    404,    "403o", 404),
    "review_request_info":        (401,  "403o", 404,    404,    200,    "403a", "403a", "403c", 404,    404,    404,    "403o", 404),
    "review_reassign":            (401,  "403s", 404,    404,    "403s", "403s", 200,    "403s", 404,    404,    404,    "403s", 404),
    "review_notes_list":          (401,  "403o", 404,    404,    200,    200,    200,    "403c", 404,    404,    404,    "403o", 404),
    "review_notes_create":        (401,  "403o", 404,    404,    201,    201,    201,    "403c", 404,    404,    404,    "403o", 404),
    "info_resubmit":              (401,  200,    404,    404,    "403n", "403n", "403n", 200,    404,    404,    404,    200,    404),
    "review_queue":               (401,  "403o", "403o", 200,    200,    200,    200,    200,    200,    200,    "403o", "403o", "403o"),
    "conflicts_list":             (401,  "403o", "403o", 200,    200,    200,    200,    200,    200,    200,    "403o", "403o", "403o"),
    "conflicts_create":           (401,  "403o", "403o", 201,    201,    201,    201,    201,    "409d", 201,    "403o", "403o", "403o"),
    "bundles_create":             (401,  201,    404,    404,    404,    404,    404,    201,    404,    404,    404,    201,    404),
    "bundle_retrieve":            (401,  200,    404,    404,    404,    404,    404,    200,    404,    404,    404,    200,    404),
    "bundle_submit":              (401,  200,    404,    404,    404,    404,    404,    200,    404,    404,    404,    200,    404),
    "bundle_documents_create":    (401,  201,    404,    404,    404,    404,    404,    201,    404,    404,    404,    201,    404),
    "permits_list":               (401,  200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "permit_suspend":             (401,  "403o", 404,    200,    200,    200,    200,    "403c", 404,    404,    404,    "403o", 404),
    "suspended_permit_reinstate": (401,  "403o", 404,    200,    200,    200,    200,    "403c", 404,    404,    404,    "403o", 404),
    "active_permit_reinstate":    (401,  "403o", 404,    "409t", "409t", "409t", "409t", "403c", 404,    404,    404,    "403o", 404),
    "permit_revoke":              (401,  "403o", 404,    200,    200,    200,    200,    "403c", 404,    404,    404,    "403o", 404),
    "checked_permit_check":       (401,  "403o", 404,    200,    200,    200,    200,    "403c", 404,    404,    404,    "403o", 404),
    "public_permit_verify":       (200,  200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
}
# fmt: on

ERROR_CODES = {401: ErrorCode.NOT_AUTHENTICATED, 404: ErrorCode.NOT_FOUND}
NAMED_CODES = {
    "o": PermitErrorCode.NOT_AN_OFFICIAL,
    "a": PermitErrorCode.NOT_ASSIGNED,
    "s": PermitErrorCode.NOT_A_SUPERVISOR,
    "n": PermitErrorCode.NOT_THE_APPLICANT,
    "c": PermitErrorCode.CONFLICT_OF_INTEREST,
    "t": ErrorCode.INVALID_TRANSITION,
    "l": PermitErrorCode.NOT_CLAIMABLE,
    "d": PermitErrorCode.ALREADY_DECLARED,
}


def expectation(cell: int | str) -> tuple[int, str | None]:
    return matrix.expectation(cell, ERROR_CODES, NAMED_CODES)


CELLS = matrix.cells(EXPECTED, COLUMNS)


def _routes() -> set[tuple[str, str]]:
    return matrix.served_routes(permits_urlpatterns)


def test_the_matrix_covers_every_route_of_the_permits_api(world):
    # given: every route of permits/api/urls.py, with each method it serves
    routes = _routes()

    # when: the path each endpoint of the matrix calls is resolved
    covered = {(resolve(spec.path(world).split("?")[0]).url_name, spec.method) for spec in ENDPOINTS.values()}

    # then: the matrix reaches every route by every method, and every row has one cell per caller
    assert covered == routes
    assert set(EXPECTED) == set(ENDPOINTS)
    assert all(len(row) == len(COLUMNS) for row in EXPECTED.values())
    assert {expectation(cell)[0] for row in EXPECTED.values() for cell in row} <= {
        200,
        201,
        401,
        403,
        404,
        409,
    }


def snapshot() -> dict:
    """Everything a refused request must leave untouched."""
    return {
        "applications": list(
            Application.objects.order_by("id").values_list(
                "id",
                "status",
                "version",
                "answers",
                "assigned_to",
                "due_at",
                "paused_at",
                "post_check_pending",
            )
        ),
        "documents": list(Document.objects.order_by("id").values_list("id", flat=True)),
        "links": list(ApplicationDocument.objects.order_by("id").values_list("id", "document_id")),
        "messages": list(Message.objects.order_by("id").values_list("id", flat=True)),
        "bundles": list(Bundle.objects.order_by("id").values_list("id", "submitted_at")),
        "permits": list(
            Permit.objects.order_by("id").values_list(
                "id", "status", "status_reason", "suspended_until", "post_check_status"
            )
        ),
        "reviews": list(Review.objects.order_by("id").values_list("id", flat=True)),
        "notes": list(InternalNote.objects.order_by("id").values_list("id", flat=True)),
        "conflicts": list(ConflictOfInterest.objects.order_by("id").values_list("id", flat=True)),
        "notifications": list(Notification.objects.order_by("id").values_list("id", flat=True)),
        "audit": list(AuditEvent.objects.order_by("id").values_list("id", flat=True)),
    }


@pytest.mark.parametrize(("endpoint", "caller", "cell"), CELLS)
def test_permission_matrix(world, client_for, endpoint, caller, cell):
    # given: the world and one caller
    spec = ENDPOINTS[endpoint]
    expected, code = expectation(cell)
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
        assert body["code"] == code, body
        assert set(body) == {"code", "detail"}
        assert snapshot() == before


# --- lists never leak ------------------------------------------------------------------------

MEDIUM_AND_UP = {"submitted", "approved", "review", "info", "suspended", "checked"}
ALL_APPLICATIONS = {"draft", "submitted", "approved", "review", "info", "suspended", "checked", "bundle"}
ALL_PERMITS = {"permit", "suspended", "checked"}

# Which of the owner's applications and permits (by role in the world) each caller finds in its
# lists: officials see their authority's submitted files up to their clearance, and every permit
# their authority issued.
# fmt: off
LIST_EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "owner":              (ALL_APPLICATIONS, ALL_PERMITS),
    "bound_client":       (ALL_APPLICATIONS, ALL_PERMITS),
    "other_entrepreneur": (set(), set()),
    "official_low":       ({"approved", "suspended", "checked"}, ALL_PERMITS),
    "official_medium":    (MEDIUM_AND_UP, ALL_PERMITS),
    "official_high":      (MEDIUM_AND_UP, ALL_PERMITS),
    "supervisor":         (MEDIUM_AND_UP, ALL_PERMITS),
    "member_official":    (ALL_APPLICATIONS, ALL_PERMITS),  # as a member, drafts included
    "conflicted_official": (set(), set()),
    "other_official":     (set(), set()),
    "council_member":     (set(), set()),
    "unbound_client":     (set(), set()),
}
# fmt: on


@pytest.mark.parametrize("caller", list(LIST_EXPECTED))
def test_lists_show_only_what_the_caller_may_see(world, client_for, caller):
    # given
    client, _ = client_as(client_for, world, caller)
    owner_refs, owner_numbers = world.owner_references(), world.permit_numbers()
    expected_apps, expected_permits = LIST_EXPECTED[caller]

    # when
    applications = client.get(f"{API}/applications/", {"page_size": 100})
    permits = client.get(f"{API}/permits/", {"page_size": 100})

    # then
    assert (applications.status_code, permits.status_code) == (200, 200)
    listed_refs = {a["reference"] for a in results(applications)}
    listed_numbers = {p["number"] for p in results(permits)}
    assert {role for role, ref in owner_refs.items() if ref in listed_refs} == expected_apps
    assert {role for role, number in owner_numbers.items() if number in listed_numbers} == expected_permits
    if caller == "other_entrepreneur":
        assert listed_refs == {world.stranger_application.reference}
    if caller not in (
        "owner",
        "bound_client",
        "member_official",
        "other_entrepreneur",
        *OFFICIALS_OF_THE_AUTHORITY,
    ):
        assert listed_refs == set()
        assert listed_numbers == set()


def test_the_applications_list_paginates_only_the_visible_rows(world, client_for):
    # given: the low official, who may see three of the owner's eight applications (the low-tier ones)
    client, _ = client_as(client_for, world, "official_low")

    # when
    body = client.get(f"{API}/applications/", {"page_size": 1}).json()

    # then: the count is of what they may see, not of every row
    assert body["count"] == 3
    assert len(body["results"]) == 1


# --- public verification ---------------------------------------------------------------------


def test_a_wrong_code_is_answered_exactly_like_an_unknown_number(world, api_client):
    # given
    number, code = world.permit.number, world.permit.verification_code
    wrong_code = ("A" if code[0] != "A" else "B") + code[1:]

    # when
    wrong = api_client.get(f"{API}/public/permits/{number}/", {"code": wrong_code})
    unknown = api_client.get(f"{API}/public/permits/KZ-NOPE-2026-999999/", {"code": code})
    missing_code = api_client.get(f"{API}/public/permits/{number}/")
    missing_code_unknown = api_client.get(f"{API}/public/permits/KZ-NOPE-2026-999999/")

    # then: a missing code is a malformed query, refused alike whether the number exists or not
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert missing_code.status_code == missing_code_unknown.status_code == 400
    assert missing_code.json() == missing_code_unknown.json()
    assert wrong.json()["code"] == ErrorCode.NOT_FOUND
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
    assert throttled.json()["code"] == ErrorCode.THROTTLED
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
    assert response.json()["code"] == ErrorCode.THROTTLED


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
    # given: the high official, who may see the submitted application but not the draft
    client, _ = client_as(client_for, world, "official_high")

    # when: they ask for the draft's document through the submitted application's URL
    response = client.get(
        f"{API}/applications/{world.submitted.pk}/documents/{world.draft_document.pk}/file/"
    )

    # then
    assert response.status_code == 404
    assert response.json()["code"] == ErrorCode.NOT_FOUND


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
    assert private.json()["code"] == ErrorCode.AUTHENTICATION_FAILED
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
    assert response.json()["code"] == ErrorCode.NOT_FOUND
    assert "Idempotent-Replayed" not in response
    assert first.json()["reference"] not in response.content.decode()
