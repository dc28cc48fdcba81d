"""Every route of the council API is in a permission matrix.

Consultations, concerns and reports each have their own matrix (every caller against every endpoint,
own and foreign objects); the two council pages are public and are checked here for every caller.
"""

from __future__ import annotations

import pytest

from council.api import councils
from council.api.urls import urlpatterns
from tests.council import test_concerns_permissions, test_consultations_permissions, test_reports_permissions
from tests.factories import (
    ApiClientFactory,
    CouncilFactory,
    CouncilMemberFactory,
    EntrepreneurFactory,
    OfficialProfileFactory,
)

pytestmark = pytest.mark.django_db

PUBLIC_ROUTES = {pattern.name for pattern in councils.urlpatterns}


def test_every_council_route_is_in_a_matrix():
    # given every route the council API serves
    served = {pattern.name for pattern in urlpatterns}

    # when the matrices' routes are gathered
    covered = set(PUBLIC_ROUTES)
    covered |= set(test_consultations_permissions.ROUTES)
    covered |= {name for name, _ in test_concerns_permissions.ROUTES}
    covered |= {name for name, _ in test_reports_permissions.ROUTES}

    # then none is missing, and no matrix names a route that does not exist
    assert covered == served


CALLERS = {
    "anonymous": lambda council: None,
    "entrepreneur": lambda council: EntrepreneurFactory(),
    "official": lambda council: OfficialProfileFactory().user,
    "council_member": lambda council: CouncilMemberFactory(council=council).user,
    "api_client": lambda council: ApiClientFactory().user,
}


@pytest.mark.parametrize("route", ["list", "detail"])
@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_the_council_pages_are_public_to_every_caller(client_for, caller, route):
    # given a council and a caller of each kind
    council = CouncilFactory()
    client = client_for(CALLERS[caller](council))
    path = "/api/v1/council/councils/" + (f"{council.pk}/" if route == "detail" else "")

    # when they read it
    response = client.get(path)

    # then everyone may, and nobody may write there
    assert response.status_code == 200
    assert client.post(path, {}, format="json").status_code in (401, 405)
