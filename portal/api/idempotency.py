"""`Idempotency-Key` on creating requests: a retried create returns the first answer, never a twin.

The key's row is locked for the whole request, inside one transaction with the create itself: a
concurrent retry waits, then replays. A failed request stores nothing (its transaction rolls back),
so the client may retry it with the same key.

A key is honoured for `PORTAL_IDEMPOTENCY_DAYS` (7): retries come within minutes, so a week is
ample. An older record no longer replays (the key is free again), and a daily beat task purges them.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from rest_framework.response import Response

from portal.api.errors import Conflict, ErrorCode, ValidationFailed
from portal.api.models import IdempotencyRecord
from portal.audit.services import record as audit_record

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def _file_fingerprint(upload: UploadedFile) -> dict:
    """What makes two uploads the same: their bytes (sha256, read in chunks), name and declared type.
    Name and size alone are not: another file of the same size would replay the first one's answer."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():  # chunks() starts from the first byte
        digest.update(chunk)
    upload.seek(0)  # the handler reads the file afresh
    return {
        "file": upload.name,
        "content_type": upload.content_type,
        "size": upload.size,
        "sha256": digest.hexdigest(),
    }


def _fingerprint(request) -> str:
    def plain(value):
        if isinstance(value, UploadedFile):
            return _file_fingerprint(value)
        return value

    data = request.data
    items = {key: [plain(v) for v in data.getlist(key)] for key in data} if hasattr(data, "getlist") else data
    payload = json.dumps(
        [request.method, request.path, items], sort_keys=True, cls=DjangoJSONEncoder, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def idempotent(handler):
    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if not key or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationFailed(fields={HEADER: [f"At most {MAX_KEY_LENGTH} characters."]})
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            record, created = IdempotencyRecord.objects.select_for_update().get_or_create(
                user=request.user, key=key, defaults={"fingerprint": fingerprint}
            )
            if not created and record.created_at < _oldest_honoured():
                # Expired: the key starts afresh, as if the purge had already removed it.
                record.fingerprint, record.status_code, record.body = fingerprint, 0, {}
                record.created_at = timezone.now()
                record.save(update_fields=["fingerprint", "status_code", "body", "created_at"])
            elif not created:
                if record.fingerprint != fingerprint:
                    raise Conflict(
                        "This Idempotency-Key was used for a different request.",
                        code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    )
                if record.status_code:
                    replay = Response(record.body, status=record.status_code)
                    replay["Idempotent-Replayed"] = "true"
                    return replay
            response = handler(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                record.status_code = response.status_code
                record.body = response.data
                record.save(update_fields=["status_code", "body"])
            else:
                transaction.set_rollback(True)
            return response

    return wrapper


def _oldest_honoured():
    return timezone.now() - timedelta(days=settings.PORTAL_IDEMPOTENCY_DAYS)


@transaction.atomic
def idempotency_records_purge() -> int:
    """Delete the records no longer honoured; one audit event says how many went."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=_oldest_honoured()).delete()
    if deleted:
        audit_record(
            actor="idempotency-purge",
            action="api.idempotency_records_purged",
            object_type="api.idempotencyrecord",
            data={"deleted": deleted, "older_than_days": settings.PORTAL_IDEMPOTENCY_DAYS},
        )
    return deleted
