"""Writes of the council side. One transaction and one audit event each."""

from __future__ import annotations

import datetime

from django.db import transaction

from council.models import Council, CouncilMember
from portal.audit.services import record


@transaction.atomic
def council_create(*, actor, name: str, scope: str, city: str = "", description: str = "") -> Council:
    council = Council.objects.create(name=name, scope=scope, city=city, description=description)
    record(actor=actor, action="council.council_created", obj=council, data={"name": name, "scope": scope})
    return council


@transaction.atomic
def council_member_add(
    *, actor, council: Council, user, sector: str, role: str, active_from: datetime.date
) -> CouncilMember:
    member = CouncilMember.objects.create(
        council=council, user=user, sector=sector, role=role, active_from=active_from
    )
    record(
        actor=actor,
        action="council.member_added",
        obj=member,
        data={"council": council.pk, "user": user.pk, "sector": sector, "role": role, "from": active_from},
    )
    return member
