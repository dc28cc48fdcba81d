"""The public council pages: every council with today's members, grouped by helix sector."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from council.models import CouncilRole, HelixSector
from portal.api.errors import ErrorCode
from tests.factories import CouncilFactory, CouncilMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/council/councils/"


def test_a_council_shows_its_current_members_by_sector_in_helix_order(api_client):
    # given a council with a chair from government, a secretary from business, an academic, a member
    # of civil society, and a former member whose term has ended
    council = CouncilFactory(name="National Council for Creative Industries", description="Advises.")
    chair = UserFactory(username="chair", first_name="Gulnara", last_name="Abenova")
    CouncilMemberFactory(council=council, user=chair, sector=HelixSector.GOVERNMENT, role=CouncilRole.CHAIR)
    CouncilMemberFactory(council=council, sector=HelixSector.BUSINESS, role=CouncilRole.SECRETARY)
    CouncilMemberFactory(council=council, sector=HelixSector.ACADEMIA)
    CouncilMemberFactory(council=council, sector=HelixSector.CIVIL_SOCIETY)
    CouncilMemberFactory(
        council=council,
        sector=HelixSector.ACADEMIA,
        active_from=dt.date(2020, 1, 1),
        active_until=dt.date(2021, 1, 1),
    )

    # when the public reads it
    response = api_client.get(f"{URL}{council.pk}/")

    # then the four sectors come in a fixed order with today's members only
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "National Council for Creative Industries"
    assert [s["sector"] for s in body["sectors"]] == ["government", "academia", "business", "civil_society"]
    assert [len(s["members"]) for s in body["sectors"]] == [1, 1, 1, 1]
    assert body["sectors"][0]["members"][0] == {
        "name": "Gulnara Abenova",
        "role": "chair",
        "active_from": "2026-01-01",
        "active_until": None,
    }


def test_an_unknown_council_is_a_404(api_client):
    response = api_client.get(f"{URL}999999/")

    assert response.status_code == 404
    assert response.json()["code"] == ErrorCode.NOT_FOUND


def test_an_expired_token_does_not_lock_anyone_out_of_the_public_pages(api_client):
    # given a council and a caller sending a token that does not exist
    CouncilFactory()
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    # when they read the list
    response = api_client.get(URL)

    # then it is served as to anyone
    assert response.status_code == 200


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_for_one_council_or_many(api_client):
    # given one council with members, then ten
    CouncilMemberFactory(council=CouncilFactory())
    one = _queries(api_client, URL)
    for _ in range(9):
        council = CouncilFactory()
        CouncilMemberFactory.create_batch(3, council=council)

    # when the list is read with a page of one and a page of ten
    # then the query count does not grow
    assert _queries(api_client, f"{URL}?page_size=1") == one
    assert _queries(api_client, f"{URL}?page_size=10") == one
