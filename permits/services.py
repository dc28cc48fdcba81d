"""Writes of the permit side. One transaction and one audit event each."""

from __future__ import annotations

from django.db import transaction

from permits.models import ActivityCategory
from portal.audit.services import record


@transaction.atomic
def activity_create(*, actor, code: str, name: str, description: str = "") -> ActivityCategory:
    activity = ActivityCategory.objects.create(code=code, name=name, description=description)
    record(actor=actor, action="permits.activity_created", obj=activity, data={"code": code, "name": name})
    return activity
