"""`Idempotency-Key` on creating requests: a retry replays the first answer and never makes a twin."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from permits.errors import PermitErrorCode
from permits.models import Application, Bundle, Document, Message
from permits.services.applications import application_create, application_submit
from portal.accounts.services import auth_token_issue
from portal.api.errors import ErrorCode
from portal.api.models import IdempotencyRecord
from portal.api.tasks import idempotency_purge
from portal.audit.models import AuditEvent
from tests.factories import EntrepreneurFactory
from tests.permits.factories import (
    PDF_BYTES,
    DocumentRequirementFactory,
    LicenceTypeFactory,
    QuestionFactory,
    pdf_file,
)

KEY = "9f1c2d7e-create-draft-1"


@pytest.fixture
def world(db):
    class World:
        attendance = QuestionFactory(key="expected_attendance", integer=True)
        event = LicenceTypeFactory(code="public-event", asks=[(attendance, True)])
        notice = LicenceTypeFactory(code="event-notice", low=True)
        owner = EntrepreneurFactory()
        business = owner.memberships.get().business
        other = EntrepreneurFactory()
        other_business = other.memberships.get().business

    return World


def draft_body(world, **overrides):
    body = {
        "business": world.business.pk,
        "licence_type": "public-event",
        "answers": {"expected_attendance": 40},
    }
    body.update(overrides)
    return body


def post(client, path, body, key=KEY, fmt="json"):
    return client.post(path, body, format=fmt, HTTP_IDEMPOTENCY_KEY=key)


# --- applications ---------------------------------------------------------------------------


def test_a_retried_create_replays_the_first_answer(world, client_for):
    # given
    client = client_for(world.owner)
    first = post(client, "/api/v1/applications/", draft_body(world))
    assert first.status_code == 201, first.json()

    # when
    second = post(client, "/api/v1/applications/", draft_body(world))

    # then
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Application.objects.count() == 1
    assert Application.objects.get().pk == first.json()["id"]


def test_the_same_key_with_a_different_body_is_a_conflict(world, client_for):
    # given
    client = client_for(world.owner)
    assert post(client, "/api/v1/applications/", draft_body(world)).status_code == 201

    # when
    response = post(client, "/api/v1/applications/", draft_body(world, answers={"expected_attendance": 41}))

    # then
    assert response.status_code == 409
    assert response.json()["code"] == ErrorCode.IDEMPOTENCY_KEY_REUSED
    assert response.json()["detail"]
    assert Application.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_a_conflict(world, client_for):
    # given: the key already made an application
    client = client_for(world.owner)
    assert post(client, "/api/v1/applications/", draft_body(world)).status_code == 201

    # when: it is sent again to create a bundle
    response = post(
        client,
        "/api/v1/bundles/",
        {"business": world.business.pk, "licence_types": ["event-notice"], "answers": {}},
    )

    # then
    assert response.status_code == 409
    assert response.json()["code"] == ErrorCode.IDEMPOTENCY_KEY_REUSED
    assert not Bundle.objects.exists()


def test_the_same_key_of_another_user_is_independent(world, client_for):
    # given: the owner used the key
    first = post(client_for(world.owner), "/api/v1/applications/", draft_body(world))
    assert first.status_code == 201

    # when: another entrepreneur uses the same key for their own business
    response = post(
        client_for(world.other), "/api/v1/applications/", draft_body(world, business=world.other_business.pk)
    )

    # then
    assert response.status_code == 201, response.json()
    assert "Idempotent-Replayed" not in response
    assert response.json()["id"] != first.json()["id"]
    assert response.json()["business"] == world.other_business.pk
    assert Application.objects.count() == 2
    assert IdempotencyRecord.objects.filter(key=KEY).count() == 2


@pytest.mark.parametrize(
    ("bad_body", "status", "code"),
    [
        ({"licence_type": "no-such-type"}, 400, "unknown_licence_type"),
        ({"answers": {"expected_attendance": "many"}}, 400, "invalid"),
        ({"business": 10**9}, 404, "not_found"),
    ],
)
def test_a_failed_request_does_not_consume_the_key(world, client_for, bad_body, status, code):
    # given: a first attempt that fails
    client = client_for(world.owner)
    failed = post(client, "/api/v1/applications/", draft_body(world, **bad_body))
    assert failed.status_code == status
    assert failed.json()["code"] == code

    # when: the corrected request is retried with the same key
    retried = post(client, "/api/v1/applications/", draft_body(world))

    # then
    assert retried.status_code == 201, retried.json()
    assert "Idempotent-Replayed" not in retried
    assert Application.objects.count() == 1
    assert IdempotencyRecord.objects.get(key=KEY).status_code == 201


def test_a_failed_request_repeated_is_answered_afresh_not_replayed(world, client_for):
    # given
    client = client_for(world.owner)
    body = draft_body(world, licence_type="no-such-type")
    assert post(client, "/api/v1/applications/", body).status_code == 400

    # when
    again = post(client, "/api/v1/applications/", body)

    # then
    assert again.status_code == 400
    assert again.json()["code"] == PermitErrorCode.UNKNOWN_LICENCE_TYPE
    assert "Idempotent-Replayed" not in again
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize(("length", "status"), [(200, 201), (201, 400), (5000, 400)])
def test_key_length_is_bounded(world, client_for, length, status):
    # given
    client = client_for(world.owner)

    # when
    response = post(client, "/api/v1/applications/", draft_body(world), key="k" * length)

    # then
    assert response.status_code == status
    if status == 400:
        assert response.json()["code"] == ErrorCode.INVALID
        assert "Idempotency-Key" in response.json()["fields"]
        assert not Application.objects.exists()
    else:
        assert Application.objects.count() == 1


def test_without_a_key_every_post_creates(world, client_for):
    # given
    client = client_for(world.owner)

    # when
    first = client.post("/api/v1/applications/", draft_body(world), format="json")
    second = client.post("/api/v1/applications/", draft_body(world), format="json")

    # then
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert Application.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


# --- bundles and messages -------------------------------------------------------------------


def test_a_retried_bundle_create_replays(world, client_for):
    # given
    client = client_for(world.owner)
    body = {
        "business": world.business.pk,
        "licence_types": ["public-event", "event-notice"],
        "answers": {"expected_attendance": 10},
    }
    first = post(client, "/api/v1/bundles/", body, key="bundle-1")
    assert first.status_code == 201, first.json()

    # when
    second = post(client, "/api/v1/bundles/", body, key="bundle-1")

    # then
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Bundle.objects.count() == 1
    assert Application.objects.count() == 2


def test_a_retried_message_replays(world, client_for):
    # given: a submitted application
    draft = application_create(
        actor=world.owner,
        business=world.business,
        licence_type=world.event,
        answers={"expected_attendance": 5},
    )
    application_submit(actor=world.owner, application_id=draft.pk)
    client = client_for(world.owner)
    path = f"/api/v1/applications/{draft.pk}/messages/"
    first = post(client, path, {"body": "Is the venue plan enough?"}, key="msg-1")
    assert first.status_code == 201, first.json()

    # when
    second = post(client, path, {"body": "Is the venue plan enough?"}, key="msg-1")
    changed = post(client, path, {"body": "Something else"}, key="msg-1")

    # then
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert changed.status_code == 409
    assert changed.json()["code"] == ErrorCode.IDEMPOTENCY_KEY_REUSED
    assert Message.objects.filter(application=draft).count() == 1


# --- uploads: the fingerprint is the bytes ---------------------------------------------------

# Another PDF of exactly the same length as PDF_BYTES: only the object number differs.
OTHER_PDF_BYTES = PDF_BYTES.replace(b"1 0 obj", b"2 0 obj")


@pytest.fixture
def upload_path(world, settings, tmp_path):
    """A draft asking for one document, and the path its documents are uploaded to."""
    settings.MEDIA_ROOT = tmp_path
    charter = DocumentRequirementFactory(code="company-charter")
    licence_type = LicenceTypeFactory(code="charter-notice", low=True, documents=[charter])
    draft = application_create(
        actor=world.owner, business=world.business, licence_type=licence_type, answers={}
    )
    return f"/api/v1/applications/{draft.pk}/documents/"


def upload(client, path, content: bytes, key="upload-1"):
    body = {"requirement": "company-charter", "file": pdf_file("charter.pdf", content)}
    return post(client, path, body, key=key, fmt="multipart")


@time_machine.travel(dt.datetime(2026, 9, 16, 5, 30, tzinfo=dt.UTC), tick=False)
def test_the_same_key_with_another_file_of_the_same_name_and_size_is_a_conflict(
    world, client_for, upload_path
):
    # given: a document uploaded under a key
    assert len(OTHER_PDF_BYTES) == len(PDF_BYTES) and OTHER_PDF_BYTES != PDF_BYTES
    client = client_for(world.owner)
    first = upload(client, upload_path, PDF_BYTES)
    assert first.status_code == 201, first.json()

    # when: the same key, the same name and size, other bytes
    response = upload(client, upload_path, OTHER_PDF_BYTES)

    # then: refused as a different request, not silently answered with the first file
    assert response.status_code == 409
    assert response.json()["code"] == ErrorCode.IDEMPOTENCY_KEY_REUSED
    assert Document.objects.count() == 1


@time_machine.travel(dt.datetime(2026, 9, 16, 5, 30, tzinfo=dt.UTC), tick=False)
def test_the_same_key_with_the_same_file_replays(world, client_for, upload_path):
    # given
    client = client_for(world.owner)
    first = upload(client, upload_path, PDF_BYTES)
    assert first.status_code == 201, first.json()

    # when
    second = upload(client, upload_path, PDF_BYTES)

    # then
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Document.objects.count() == 1


@time_machine.travel(dt.datetime(2026, 9, 16, 5, 30, tzinfo=dt.UTC), tick=False)
def test_hashing_the_upload_for_the_fingerprint_leaves_the_file_whole(world, client_for, upload_path):
    # given / when: an upload under a key (the fingerprint reads the file before the service does)
    response = upload(client_for(world.owner), upload_path, OTHER_PDF_BYTES)

    # then: the stored document is the whole file
    assert response.status_code == 201, response.json()
    document = Document.objects.get()
    with document.file.open("rb") as stored:
        assert stored.read() == OTHER_PDF_BYTES


# --- concurrency ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_exactly_one():
    # given: ten clients of the same user, released at once with the same key and body
    licence_type = LicenceTypeFactory(code="street-festival")
    owner = EntrepreneurFactory()
    business = owner.memberships.get().business
    _, token = auth_token_issue(user=owner)
    body = {"business": business.pk, "licence_type": licence_type.code, "answers": {}}
    threads_count = 10
    barrier = threading.Barrier(threads_count)
    results: list[tuple[int, dict, str | None]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            barrier.wait(timeout=10)
            response = client.post(
                "/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="race-1"
            )
            with lock:
                results.append((response.status_code, response.json(), response.get("Idempotent-Replayed")))
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    assert not errors, errors
    assert len(results) == threads_count
    assert {status for status, _, _ in results} == {201}, results
    assert len({body["id"] for _, body, _ in results}) == 1
    assert sum(1 for _, _, replayed in results if replayed == "true") == threads_count - 1
    assert Application.objects.count() == 1
    assert IdempotencyRecord.objects.filter(key="race-1").count() == 1


# --- lifetime ---------------------------------------------------------------------------------


def test_a_key_is_honoured_for_its_lifetime_and_then_free_again(world, client_for, settings):
    # given a create made with a key, eight days ago, when keys live seven days
    settings.PORTAL_IDEMPOTENCY_DAYS = 7
    client = client_for(world.owner)
    with time_machine.travel(timezone.now() - dt.timedelta(days=8)):
        first = post(client, "/api/v1/applications/", draft_body(world))
    assert first.status_code == 201

    # when the same key comes again, now with another request
    again = post(client, "/api/v1/applications/", draft_body(world, answers={"expected_attendance": 90}))

    # then it is a new create, not a replay and not a 409
    assert again.status_code == 201, again.json()
    assert "Idempotent-Replayed" not in again
    assert again.json()["id"] != first.json()["id"]
    assert Application.objects.filter(business=world.business).count() == 2


def test_the_daily_purge_forgets_only_expired_records(world, client_for, settings):
    # given one record from eight days ago and one from today
    settings.PORTAL_IDEMPOTENCY_DAYS = 7
    client = client_for(world.owner)
    with time_machine.travel(timezone.now() - dt.timedelta(days=8)):
        post(client, "/api/v1/applications/", draft_body(world), key="old-key")
    post(client, "/api/v1/applications/", draft_body(world), key="new-key")

    # when the beat task runs, twice
    deleted = idempotency_purge.apply().get()
    again = idempotency_purge.apply().get()

    # then the old record is gone, the new one stays and still replays, and the purge is audited once
    assert (deleted, again) == (1, 0)
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new-key"]
    assert (
        post(client, "/api/v1/applications/", draft_body(world), key="new-key")["Idempotent-Replayed"]
        == "true"
    )
    assert AuditEvent.objects.filter(action="api.idempotency_records_purged").get().data["deleted"] == 1
