"""The demo concerns: written through the services on top of the demo data, and idempotent."""

from __future__ import annotations

import pytest

from council.models import Concern, Council
from demo.concerns import seed
from demo.seed import COUNCIL_NAME, seed_demo
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_demo_concerns_are_realistic_and_a_second_run_creates_nothing():
    # given: the demo data, which raises the demo concerns through this seed (five rows written)
    lines: list[str] = []
    seed_demo(out=lines.append)
    council = Council.objects.get(name=COUNCIL_NAME)
    secretary = User.objects.get(username="council-secretary")
    counts = (Concern.objects.count(), AuditEvent.objects.count(), Notification.objects.count())

    # when: seeded again
    again = seed(council=council, actor=secretary, progress=lines.append)

    # then: nothing new; four concerns of aigerim and daniyar, one answered (referred to sanepid)
    assert again == 0
    assert (Concern.objects.count(), AuditEvent.objects.count(), Notification.objects.count()) == counts
    concerns = Concern.objects.select_related("raised_by", "authority", "licence_type").order_by("id")
    assert [c.raised_by.username for c in concerns] == ["aigerim", "daniyar", "daniyar", "aigerim"]
    assert all(c.council == council and c.licence_type is not None for c in concerns)
    answered = [c for c in concerns if c.status == "answered"]
    assert [(c.disposition, c.authority.code, c.responded_by) for c in answered] == [
        ("referred", "sanepid", secretary)
    ]
    assert sum("concern " in line for line in lines) == 5
