"""Uploaded documents: checked from their bytes, stored under generated names, given once per bundle."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from permits import selectors
from permits.errors import PermitErrorCode
from permits.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    Bundle,
    Document,
    DocumentRequirement,
)
from permits.services.applications import lock_for_applicant
from portal.api.errors import DomainError, ErrorCode, InvalidState, NotFound, ValidationFailed
from portal.audit.services import record

S = ApplicationStatus
# Documents can be given while the applicant still holds the pen: a draft, or when asked for more.
ATTACHABLE = (S.DRAFT, S.INFO_REQUESTED)

# The accepted formats, recognised from their first bytes, never from the name or the header.
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
CONTENT_TYPES = tuple(content_type for _, content_type in _SIGNATURES)
# The extensions a download of each type may carry, the usual one first.
EXTENSIONS = {"application/pdf": (".pdf",), "image/png": (".png",), "image/jpeg": (".jpg", ".jpeg")}


class TooLarge(DomainError):
    status_code = 413
    default_code = ErrorCode.TOO_LARGE


def sniff(head: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def clean_name(name: str) -> str:
    """A display name safe to put in a header: no path, no control or shell characters, bounded."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    try:
        cleaned = get_valid_filename(base)
    except Exception:  # Django refuses names like "." or ".."
        cleaned = ""
    stem, ext = os.path.splitext(cleaned[:200])
    return (stem[:100] + ext[:10]) or "document"


def download_name(name: str, content_type: str) -> str:
    """The name a document is shown and downloaded under: `clean_name`, with an extension of the type
    its bytes were recognised as. A name never claims another type: PNG bytes sent as `x.html` are
    `x.png`, so a browser or desktop that goes by the extension never opens them as a page."""
    stem, extension = os.path.splitext(clean_name(name))
    allowed = EXTENSIONS.get(content_type, ())
    if extension.lower() in allowed:
        return stem + extension
    return (stem or "document") + (allowed[0] if allowed else "")


def _inspect(upload) -> tuple[str, str, int]:
    """(content type, sha256, size) of an upload, refusing empty, oversized and unknown files."""
    size = upload.size or 0
    if size == 0:
        raise ValidationFailed(fields={"file": ["The file is empty."]}, code=PermitErrorCode.EMPTY_FILE)
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    if size > limit:
        raise TooLarge(f"The file is {size} bytes; the limit is {limit} bytes.")
    upload.seek(0)
    content_type = sniff(upload.read(16))
    if content_type is None:
        raise ValidationFailed(
            "Only PDF, PNG and JPEG files are accepted (recognised from their content).",
            code=PermitErrorCode.UNSUPPORTED_FILE_TYPE,
            fields={"file": ["Only PDF, PNG and JPEG files are accepted."]},
        )
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest(), size


def _requirement(code) -> DocumentRequirement:
    requirement = DocumentRequirement.objects.filter(code=code).first() if isinstance(code, str) else None
    if requirement is None:
        raise ValidationFailed(
            fields={"requirement": [f"Unknown document requirement: {code}."]},
            code=PermitErrorCode.UNKNOWN_REQUIREMENT,
        )
    return requirement


def _store(
    *, actor, business, requirement: DocumentRequirement, upload, now: dt.datetime | None = None
) -> Document:
    content_type, sha256, size = _inspect(upload)
    document = Document(
        business=business,
        requirement=requirement,
        uploaded_by=actor,
        original_name=download_name(upload.name, content_type),
        content_type=content_type,
        size=size,
        sha256=sha256,
        created_at=now or timezone.now(),
    )
    # The file is written before the row; if the transaction then fails, an orphan file remains,
    # which is harmless (never referenced, never served) and cheaper than losing an upload.
    document.file.save("upload", upload, save=False)
    document.save()
    return document


def _link(applications: list[Application], document: Document, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    for application in applications:
        ApplicationDocument.objects.update_or_create(
            application=application,
            requirement=document.requirement,
            defaults={"document": document, "attached_at": now},
        )


@transaction.atomic
def application_document_attach(
    *, actor, application_id: int, requirement_code, upload, now: dt.datetime | None = None
) -> Document:
    application = lock_for_applicant(actor, application_id)
    requirement = _requirement(requirement_code)
    if application.status not in ATTACHABLE:
        raise InvalidState(
            f"{application.reference} is {application.get_status_display().lower()}; documents cannot be added now.",
            code=PermitErrorCode.DOCUMENTS_CLOSED,
        )
    if not application.licence_type.required_documents.filter(pk=requirement.pk).exists():
        raise ValidationFailed(
            fields={"requirement": [f"{application.licence_type.code} does not ask for {requirement.code}."]},
            code=PermitErrorCode.NOT_REQUIRED,
        )
    document = _store(
        actor=actor, business=application.business, requirement=requirement, upload=upload, now=now
    )
    _link([application], document, now=now)
    record(
        actor=actor,
        action="document.attached",
        obj=document,
        data={
            "applications": [application.reference],
            "requirement": requirement.code,
            "sha256": document.sha256,
        },
    )
    return document


@transaction.atomic
def bundle_document_attach(
    *, actor, bundle: Bundle, requirement_code, upload
) -> tuple[Document, list[Application]]:
    """Give a document once: it serves every application of the bundle that still takes documents
    and requires it, given by a member of the bundle's business (else a 404, as for its reads)."""
    selectors.bundle_get(user=actor, bundle_id=bundle.pk)
    requirement = _requirement(requirement_code)
    applications = list(
        Application.objects.select_for_update()
        .filter(bundle=bundle, status__in=ATTACHABLE, licence_type__required_documents=requirement)
        .order_by("id")
    )
    if not applications:
        raise ValidationFailed(
            fields={"requirement": [f"No open application of this bundle asks for {requirement.code}."]},
            code=PermitErrorCode.NOT_REQUIRED,
        )
    document = _store(actor=actor, business=bundle.business, requirement=requirement, upload=upload)
    _link(applications, document)
    record(
        actor=actor,
        action="document.attached",
        obj=document,
        data={
            "bundle": bundle.pk,
            "applications": [a.reference for a in applications],
            "requirement": requirement.code,
            "sha256": document.sha256,
        },
    )
    return document, applications


def document_for(*, application: Application, document_id) -> Document:
    """A document attached to an application the caller can already see (checked by the selector)."""
    link = application.document_links.select_related("document").filter(document_id=document_id).first()
    if link is None:
        raise NotFound("No such document on this application.")
    return link.document
