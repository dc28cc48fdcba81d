"""Documents of an application over real HTTP: uploads checked from their bytes, stored under
generated names, listed and downloaded only by those who may see the application."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
import time_machine

from permits.errors import PermitErrorCode
from permits.models import ApplicationDocument, Document
from permits.services.applications import application_submit
from permits.services.documents import application_document_attach
from portal.api.errors import ErrorCode
from portal.audit.models import AuditEvent
from tests.factories import EntrepreneurFactory
from tests.permits.factories import (
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    DocumentRequirementFactory,
    DraftApplicationFactory,
    LicenceTypeFactory,
    pdf_file,
    pdf_upload,
)

pytestmark = pytest.mark.django_db

DOCUMENT_FIELDS = {"id", "requirement", "name", "content_type", "size", "sha256", "uploaded_at", "download"}
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def owner():
    return EntrepreneurFactory()


@pytest.fixture
def owner_client(client_for, owner):
    return client_for(owner)


@pytest.fixture
def stranger_client(client_for):
    return client_for(EntrepreneurFactory())


@pytest.fixture
def charter():
    return DocumentRequirementFactory(code="company-charter", name="Company charter")


@pytest.fixture
def floor_plan():
    return DocumentRequirementFactory(code="floor-plan", name="Floor plan")


@pytest.fixture
def application(owner, charter, floor_plan):
    """A draft of a medium-tier licence type that asks for the charter and the floor plan, nothing else."""
    licence_type = LicenceTypeFactory(documents=[charter, floor_plan])
    return DraftApplicationFactory(
        business=owner.memberships.get().business, licence_type=licence_type, created_by=owner
    )


def documents_url(application) -> str:
    return f"/api/v1/applications/{application.pk}/documents/"


def upload(
    client, application, content: bytes = PDF_BYTES, name: str = "charter.pdf", requirement="company-charter"
):
    return client.post(
        documents_url(application),
        {"requirement": requirement, "file": pdf_file(name, content)},
        format="multipart",
    )


def download(client, url: str):
    response = client.get(url)
    content = b"".join(response.streaming_content) if response.status_code == 200 else None
    return response, content


# --- upload ----------------------------------------------------------------------------------


def test_upload_a_pdf(owner_client, application):
    # when
    response = upload(owner_client, application, PDF_BYTES, "charter.pdf")

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == DOCUMENT_FIELDS
    assert body["requirement"] == "company-charter"
    assert body["name"] == "charter.pdf"
    assert body["content_type"] == "application/pdf"
    assert body["size"] == len(PDF_BYTES)
    assert body["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert body["uploaded_at"]
    assert body["download"] == f"/api/v1/applications/{application.pk}/documents/{body['id']}/file/"
    document = Document.objects.get(pk=body["id"])
    assert document.business == application.business
    assert ApplicationDocument.objects.get(application=application).document == document


@pytest.mark.parametrize(
    "content, name, content_type",
    [
        (PNG_BYTES, "plan.png", "image/png"),
        (JPEG_BYTES, "plan.jpg", "image/jpeg"),
        (JPEG_BYTES, "plan.jpeg", "image/jpeg"),
    ],
)
def test_png_and_jpeg_are_accepted(owner_client, application, content, name, content_type):
    # when
    response = upload(owner_client, application, content, name, requirement="floor-plan")

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["content_type"] == content_type
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size"] == len(content)


def test_the_content_type_comes_from_the_bytes_not_the_name(owner_client, application):
    # when: PNG bytes under a PDF name
    response = upload(owner_client, application, PNG_BYTES, "plan.pdf", requirement="floor-plan")

    # then
    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"
    assert Document.objects.get().file.name.endswith(".png")


@pytest.mark.parametrize(
    "content", [EXECUTABLE, b"#!/bin/sh\nrm -rf /\n", b"<html><script>alert(1)</script>", b"PK\x03\x04zip"]
)
def test_a_file_that_is_not_pdf_png_or_jpeg_is_refused(owner_client, application, content):
    # when: whatever its name says
    response = upload(owner_client, application, content, "scan.pdf")

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == PermitErrorCode.UNSUPPORTED_FILE_TYPE
    assert "file" in body["fields"]
    assert not Document.objects.exists()


def test_an_empty_file_is_refused(owner_client, application):
    # when
    response = upload(owner_client, application, b"", "empty.pdf")

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == PermitErrorCode.EMPTY_FILE
    assert "file" in body["fields"]
    assert not Document.objects.exists()


def test_a_file_over_the_limit_is_413(settings, owner_client, application):
    # given
    settings.PORTAL_MAX_UPLOAD_BYTES = 1000
    big = PDF_BYTES + b"0" * (2000 - len(PDF_BYTES))

    # when
    response = upload(owner_client, application, big, "big.pdf")

    # then
    assert response.status_code == 413
    assert response.json()["code"] == ErrorCode.TOO_LARGE
    assert not Document.objects.exists()


def test_a_file_exactly_at_the_limit_is_accepted(settings, owner_client, application):
    # given
    settings.PORTAL_MAX_UPLOAD_BYTES = 1000
    exact = PDF_BYTES + b"0" * (1000 - len(PDF_BYTES))

    # when
    response = upload(owner_client, application, exact, "exact.pdf")

    # then
    assert response.status_code == 201
    assert response.json()["size"] == 1000


def test_an_unknown_requirement_is_400(owner_client, application):
    # when
    response = upload(owner_client, application, requirement="no-such-requirement")

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == PermitErrorCode.UNKNOWN_REQUIREMENT
    assert "requirement" in body["fields"]
    assert not Document.objects.exists()


def test_a_requirement_the_licence_type_does_not_ask_for_is_400(owner_client, application):
    # given: a requirement that exists, but for other licence types
    DocumentRequirementFactory(code="fire-safety-certificate")

    # when
    response = upload(owner_client, application, requirement="fire-safety-certificate")

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == PermitErrorCode.NOT_REQUIRED
    assert "requirement" in body["fields"]
    assert not Document.objects.exists()


def test_a_missing_file_field_is_400_naming_file(owner_client, application):
    # when
    response = owner_client.post(
        documents_url(application), {"requirement": "company-charter"}, format="multipart"
    )

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == ErrorCode.INVALID
    assert "file" in body["fields"]


def test_a_missing_requirement_field_is_400_naming_requirement(owner_client, application):
    # when
    response = owner_client.post(documents_url(application), {"file": pdf_file()}, format="multipart")

    # then
    assert response.status_code == 400
    assert "requirement" in response.json()["fields"]


@pytest.mark.parametrize(
    "original, shown",
    [
        ("../../etc/passwd .pdf", "passwd_.pdf"),
        ("a<b>|c.pdf", "abc.pdf"),
        ("..\\..\\windows\\system32.pdf", "system32.pdf"),
        ("; rm -rf ~; echo .pdf", "_rm_-rf__echo_.pdf"),
    ],
)
def test_the_original_name_is_sanitised(owner_client, application, original, shown):
    # when
    response = upload(owner_client, application, PDF_BYTES, original)

    # then
    assert response.status_code == 201, response.json()
    name = response.json()["name"]
    assert name == shown
    assert "/" not in name
    assert "\\" not in name
    assert re.fullmatch(r"[\w.-]+", name)


def test_the_stored_path_is_generated(owner_client, application, tmp_path):
    # when
    response = upload(owner_client, application, PDF_BYTES, "my-secret-plans.pdf")

    # then
    document = Document.objects.get(pk=response.json()["id"])
    assert document.file.name.startswith("documents/")
    assert "my-secret-plans" not in document.file.name
    assert re.fullmatch(r"documents/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", document.file.name)
    assert (tmp_path / document.file.name).read_bytes() == PDF_BYTES


def test_a_second_upload_for_the_same_requirement_replaces_the_link(owner_client, application):
    # given
    first = upload(owner_client, application, PDF_BYTES, "old.pdf").json()

    # when
    newer = PDF_BYTES + b"% revised\n"
    second = upload(owner_client, application, newer, "new.pdf").json()

    # then: the newest wins, the old document row stays
    links = ApplicationDocument.objects.filter(application=application)
    assert [link.document_id for link in links] == [second["id"]]
    assert Document.objects.filter(pk=first["id"]).exists()
    listed = owner_client.get(documents_url(application)).json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == second["id"]
    assert listed["results"][0]["sha256"] == hashlib.sha256(newer).hexdigest()


def test_upload_after_submission_of_a_medium_application_is_409(owner, owner_client, application):
    # given
    for code in ("company-charter", "floor-plan"):
        application_document_attach(
            actor=owner, application_id=application.pk, requirement_code=code, upload=pdf_upload()
        )
    assert application_submit(actor=owner, application_id=application.pk).status == "submitted"

    # when
    response = upload(owner_client, application, PDF_BYTES, "late.pdf")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == PermitErrorCode.DOCUMENTS_CLOSED
    assert Document.objects.count() == 2


def test_upload_to_another_entrepreneurs_application_is_404(stranger_client, application):
    # when
    response = upload(stranger_client, application)

    # then
    assert response.status_code == 404
    assert response.json()["code"] == ErrorCode.NOT_FOUND
    assert not Document.objects.exists()


def test_upload_needs_authentication(api_client, application):
    # when
    response = upload(api_client, application)

    # then
    assert response.status_code == 401
    assert not Document.objects.exists()


def test_an_upload_is_audited(owner, owner_client, application):
    # when
    body = upload(owner_client, application).json()

    # then
    event = AuditEvent.objects.get(action="document.attached", object_id=str(body["id"]))
    assert event.actor_id == owner.pk
    assert event.data["sha256"] == body["sha256"]
    assert event.data["applications"] == [application.reference]


# --- list and download -----------------------------------------------------------------------


def test_list_documents_paginated(owner_client, application):
    # given
    upload(owner_client, application, PDF_BYTES, "charter.pdf", requirement="company-charter")
    upload(owner_client, application, PNG_BYTES, "plan.png", requirement="floor-plan")

    # when
    first = owner_client.get(documents_url(application), {"page_size": 1}).json()
    second = owner_client.get(first["next"]).json()

    # then
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 2
    assert [d["requirement"] for d in first["results"] + second["results"]] == [
        "company-charter",
        "floor-plan",
    ]
    assert set(first["results"][0]) == DOCUMENT_FIELDS


def test_the_owner_downloads_the_exact_bytes(owner_client, application):
    # given
    body = upload(owner_client, application, PNG_BYTES, "a<b>|c.pdf", requirement="floor-plan").json()

    # when
    response, content = download(owner_client, body["download"])

    # then: the sniffed type, not the one the name suggests; always an attachment
    assert response.status_code == 200
    assert content == PNG_BYTES
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="abc.png"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("accept", ["image/png", "application/octet-stream", "application/pdf, */*;q=0.1"])
def test_a_download_asked_for_as_a_file_type_is_served(owner_client, application, accept):
    # given
    body = upload(owner_client, application, PNG_BYTES, "plan.png", requirement="floor-plan").json()

    # when
    response = owner_client.get(body["download"], HTTP_ACCEPT=accept)

    # then: the file, as the schema documents it (binary under each type), never a 406
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG_BYTES
    assert response["Content-Type"] == "image/png"


def test_a_missing_download_asked_for_as_a_file_is_a_json_404(owner_client, application):
    # when
    response = owner_client.get(f"{documents_url(application)}999999/file/", HTTP_ACCEPT="application/pdf")

    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_download_asked_for_as_a_spreadsheet_is_a_406(owner_client, application):
    # given
    body = upload(owner_client, application, PNG_BYTES, "plan.png", requirement="floor-plan").json()

    # when
    response = owner_client.get(body["download"], HTTP_ACCEPT="text/csv")

    # then
    assert response.status_code == 406


# --- the name follows the type ----------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 9, 16, 5, 30, tzinfo=dt.UTC), tick=False)
def test_png_bytes_sent_as_html_are_named_and_served_as_png(owner_client, application):
    # given: PNG bytes under a web-page name
    body = upload(owner_client, application, PNG_BYTES, "x.html", requirement="floor-plan").json()

    # when
    response, content = download(owner_client, body["download"])

    # then: shown, stored and downloaded as what the bytes are
    assert body["name"] == "x.png"
    assert Document.objects.get(pk=body["id"]).original_name == "x.png"
    assert response.status_code == 200
    assert content == PNG_BYTES
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="x.png"'
    assert response["X-Content-Type-Options"] == "nosniff"


@time_machine.travel(dt.datetime(2026, 9, 16, 5, 30, tzinfo=dt.UTC), tick=False)
def test_a_document_stored_under_a_misleading_name_is_listed_and_downloaded_under_its_type(
    owner_client, application
):
    # given: a row stored before names followed the type (PNG bytes named x.html)
    body = upload(owner_client, application, PNG_BYTES, "x.png", requirement="floor-plan").json()
    Document.objects.filter(pk=body["id"]).update(original_name="x.html")

    # when
    listed = owner_client.get(documents_url(application)).json()["results"]
    response, _ = download(owner_client, body["download"])

    # then
    assert [d["name"] for d in listed] == ["x.png"]
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="x.png"'
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("content", "sent", "named"),
    [
        (PDF_BYTES, "charter.pdf", "charter.pdf"),
        (PDF_BYTES, "charter.PDF", "charter.PDF"),
        (PDF_BYTES, "charter.svg", "charter.pdf"),
        (PDF_BYTES, "charter", "charter.pdf"),
        (JPEG_BYTES, "photo.jpeg", "photo.jpeg"),
        (JPEG_BYTES, "photo.JPG", "photo.JPG"),
        (JPEG_BYTES, "photo.png", "photo.jpg"),
        (PNG_BYTES, "plan.pdf", "plan.png"),
        (PNG_BYTES, "plan.html.exe", "plan.html.png"),
        (PNG_BYTES, "<>", "document.png"),
    ],
    ids=lambda value: None if isinstance(value, str) else "",
)
@time_machine.travel(dt.datetime(2026, 9, 16, 5, 30, tzinfo=dt.UTC), tick=False)
def test_the_download_extension_is_the_sniffed_types(owner_client, application, content, sent, named):
    # given
    body = upload(owner_client, application, content, sent, requirement="floor-plan").json()

    # when
    response, _ = download(owner_client, body["download"])

    # then
    assert body["name"] == named
    assert response["Content-Disposition"] == f'attachment; filename="{named}"'


def test_an_older_document_is_no_longer_downloadable_from_the_application(owner_client, application):
    # given: the charter replaced by a newer upload
    old = upload(owner_client, application, PDF_BYTES, "old.pdf").json()
    upload(owner_client, application, PDF_BYTES + b"%new\n", "new.pdf")

    # when
    response, _ = download(owner_client, old["download"])

    # then
    assert response.status_code == 404


def test_another_entrepreneur_gets_404_for_list_and_download(owner_client, stranger_client, application):
    # given
    body = upload(owner_client, application).json()

    # when
    listed = stranger_client.get(documents_url(application))
    downloaded, content = download(stranger_client, body["download"])

    # then
    assert listed.status_code == 404
    assert listed.json()["code"] == ErrorCode.NOT_FOUND
    assert downloaded.status_code == 404
    assert downloaded.json()["code"] == ErrorCode.NOT_FOUND
    assert content is None


def test_anonymous_gets_401_for_list_and_download(api_client, owner_client, application):
    # given
    body = upload(owner_client, application).json()

    # when
    listed = api_client.get(documents_url(application))
    downloaded, content = download(api_client, body["download"])

    # then
    assert listed.status_code == 401
    assert listed.json()["code"] == ErrorCode.NOT_AUTHENTICATED
    assert downloaded.status_code == 401
    assert content is None


def test_a_document_of_another_application_is_404(owner, owner_client, application, charter):
    # given: two of the owner's own applications, a document on each
    other = DraftApplicationFactory(
        business=application.business, licence_type=LicenceTypeFactory(documents=[charter]), created_by=owner
    )
    mine = upload(owner_client, application).json()
    theirs = upload(owner_client, other).json()

    # when: the other application's document through this application's URL
    response, content = download(owner_client, f"{documents_url(application)}{theirs['id']}/file/")

    # then
    assert response.status_code == 404
    assert content is None
    assert download(owner_client, mine["download"])[0].status_code == 200


def test_an_unknown_document_id_is_404(owner_client, application):
    # when
    response, _ = download(owner_client, f"{documents_url(application)}999999/file/")

    # then
    assert response.status_code == 404
    assert response.json()["code"] == ErrorCode.NOT_FOUND
