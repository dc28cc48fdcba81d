"""The demo consultations: one per state the README tour shows, written through the services, and a
second run creates nothing."""

from __future__ import annotations

import pytest

from council.models import CommentResponse, Consultation, ConsultationStatus, CouncilRole
from demo.consultations import seed
from portal.audit.models import AuditEvent
from tests.council.consultations_factories import seat
from tests.factories import CouncilFactory, EntrepreneurFactory

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_three_consultations_once():
    # given: the demo council with a secretary and a member, and the two demo entrepreneurs
    council = CouncilFactory(name="National Council for Creative Industries")
    secretary = seat(council, CouncilRole.SECRETARY)
    seat(council, CouncilRole.MEMBER)
    aigerim, daniyar = EntrepreneurFactory(username="aigerim"), EntrepreneurFactory(username="daniyar")
    lines: list[str] = []

    # when
    first = seed(council=council, actor=secretary, progress=lines.append)
    events = AuditEvent.objects.count()
    second = seed(council=council, actor=secretary, progress=lines.append)

    # then
    assert (first, second) == (3, 0)
    assert AuditEvent.objects.count() == events
    statuses = dict(Consultation.objects.values_list("title", "status"))
    assert sorted(statuses.values()) == sorted(
        [ConsultationStatus.OUTCOME_PUBLISHED, ConsultationStatus.OPEN, ConsultationStatus.DRAFT]
    )
    published = Consultation.objects.get(status=ConsultationStatus.OUTCOME_PUBLISHED)
    assert {c.author for c in published.comments.all()} == {aigerim, daniyar}
    assert CommentResponse.objects.filter(comment__consultation=published).count() == 2
    running = Consultation.objects.get(status=ConsultationStatus.OPEN)
    assert running.comments.count() == 2
    assert lines[-1] == "  consultations: nothing new"
