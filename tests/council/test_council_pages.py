"""The public HTML page of the councils: members by helix sector, public consultations, published reports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from council.models import AccountabilityReport, CouncilRole, HelixSector, ReportStatus
from tests.council.consultations_factories import ConsultationFactory
from tests.factories import CouncilFactory, CouncilMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/council/"


def report(council, *, published: bool, start=dt.date(2026, 7, 1)) -> AccountabilityReport:
    author = UserFactory()
    return AccountabilityReport.objects.create(
        council=council,
        period_start=start,
        period_end=start + dt.timedelta(days=90),
        status=ReportStatus.PUBLISHED if published else ReportStatus.DRAFT,
        metrics={},
        computed_at=timezone.now(),
        created_by=author,
        published_by=author if published else None,
        published_at=timezone.now() if published else None,
    )


def test_the_page_shows_members_by_sector_and_only_what_is_public(client):
    # given a council with a chair, an open consultation, a draft one, a published and a draft report
    council = CouncilFactory(name="Almaty Smart City Creative Council")
    chair = UserFactory(first_name="Gulnara", last_name="Abenova")
    CouncilMemberFactory(council=council, user=chair, sector=HelixSector.GOVERNMENT, role=CouncilRole.CHAIR)
    ConsultationFactory(council=council, title="Street performance rules", open=True)
    ConsultationFactory(council=council, title="Secret draft")
    published = report(council, published=True)
    draft = report(council, published=False, start=dt.date(2026, 10, 1))

    # when anyone opens the page
    response = client.get(PAGE)

    # then the members, the open consultation and the published report are there, the drafts are not
    assert response.status_code == 200
    html = response.content.decode()
    assert "Almaty Smart City Creative Council" in html
    assert "Gulnara Abenova (chair)" in html
    assert "Street performance rules" in html and "Secret draft" not in html
    assert f"/council/reports/{published.pk}/" in html and f"/council/reports/{draft.pk}/" not in html


def test_names_are_escaped(client):
    # given a council whose name holds markup
    CouncilFactory(name="<script>alert(1)</script> Council")

    # when the page is read
    html = client.get(PAGE).content.decode()

    # then the markup is shown as text, never run
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Council" in html


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(PAGE).status_code == 200
    return len(captured)


def test_the_page_costs_the_same_queries_for_one_council_or_five(client):
    # given one council with a member, a consultation and a report
    first = CouncilFactory()
    CouncilMemberFactory(council=first)
    ConsultationFactory(council=first, open=True)
    report(first, published=True)
    one = _queries(client)

    # when four more such councils exist
    for _ in range(4):
        council = CouncilFactory()
        CouncilMemberFactory.create_batch(2, council=council)
        ConsultationFactory(council=council, open=True)
        report(council, published=True)

    # then the page reads them in the same number of queries
    assert _queries(client) == one
