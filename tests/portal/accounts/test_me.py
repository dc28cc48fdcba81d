"""`GET /api/v1/me/`: the exact shape for every kind of caller, and a query count that does not grow."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.accounts.services import oversight_join
from tests.factories import (
    ApiClientFactory,
    AuthorityFactory,
    BusinessFactory,
    CouncilMemberFactory,
    EntrepreneurFactory,
    MembershipFactory,
    OfficialProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ME_URL = "/api/v1/me/"


def me(client_for, user) -> dict:
    response = client_for(user).get(ME_URL)
    assert response.status_code == 200, response.content
    return response.json()


def test_entrepreneur(client_for):
    # given
    user = EntrepreneurFactory(username="aigerim")
    business = user.memberships.get().business

    # when
    body = me(client_for, user)

    # then
    assert body == {
        "id": user.pk,
        "username": "aigerim",
        "roles": ["entrepreneur"],
        "businesses": [{"id": business.pk, "name": business.name, "bin": business.bin}],
        "authority": None,
        "clearance": None,
        "is_supervisor": False,
    }


def test_entrepreneur_businesses_are_sorted_by_name_and_only_their_own(client_for):
    # given
    user = UserFactory()
    zeta = BusinessFactory(name="Zeta Films")
    alpha = BusinessFactory(name="Alpha Design")
    MembershipFactory(user=user, business=zeta)
    MembershipFactory(user=user, business=alpha, role="member")
    MembershipFactory()  # someone else's business

    # when
    body = me(client_for, user)

    # then
    assert body["businesses"] == [
        {"id": alpha.pk, "name": "Alpha Design", "bin": alpha.bin},
        {"id": zeta.pk, "name": "Zeta Films", "bin": zeta.bin},
    ]


def test_official(client_for):
    # given
    authority = AuthorityFactory(code="mci", name="Ministry of Culture")
    profile = OfficialProfileFactory(user__username="mci-reviewer", authority=authority)

    # when
    body = me(client_for, profile.user)

    # then
    assert body == {
        "id": profile.user.pk,
        "username": "mci-reviewer",
        "roles": ["official"],
        "businesses": [],
        "authority": {"code": "mci", "name": "Ministry of Culture"},
        "clearance": "medium",
        "is_supervisor": False,
    }


@pytest.mark.parametrize(("traits", "clearance"), [({"low": True}, "low"), ({"high": True}, "high")])
def test_official_clearance_is_shown(client_for, traits, clearance):
    # given
    profile = OfficialProfileFactory(**traits)

    # when
    body = me(client_for, profile.user)

    # then
    assert body["clearance"] == clearance
    assert body["roles"] == ["official"]


def test_supervisor(client_for):
    # given
    authority = AuthorityFactory(code="mes", name="Fire Control")
    profile = OfficialProfileFactory(user__username="mes-supervisor", authority=authority, supervisor=True)

    # when
    body = me(client_for, profile.user)

    # then
    assert body == {
        "id": profile.user.pk,
        "username": "mes-supervisor",
        "roles": ["official", "supervisor"],
        "businesses": [],
        "authority": {"code": "mes", "name": "Fire Control"},
        "clearance": "high",
        "is_supervisor": True,
    }


def test_national_oversight(client_for):
    # given: the people level-2 escalations of missed deadlines go to
    user = UserFactory(username="oversight")
    oversight_join(actor=None, user=user)

    # when
    body = me(client_for, user)

    # then
    assert body == {
        "id": user.pk,
        "username": "oversight",
        "roles": ["oversight"],
        "businesses": [],
        "authority": None,
        "clearance": None,
        "is_supervisor": False,
    }


def test_another_group_gives_no_oversight_role(client_for):
    # given
    user = UserFactory()
    user.groups.add(Group.objects.create(name="Newsletter editors"))

    # when
    body = me(client_for, user)

    # then
    assert body["roles"] == []


def test_active_council_member(client_for):
    # given
    seat = CouncilMemberFactory(
        user__username="council-member", active_from=timezone.localdate() - datetime.timedelta(days=30)
    )

    # when
    body = me(client_for, seat.user)

    # then
    assert body == {
        "id": seat.user.pk,
        "username": "council-member",
        "roles": ["council_member"],
        "businesses": [],
        "authority": None,
        "clearance": None,
        "is_supervisor": False,
    }


def test_council_member_whose_term_ended_has_no_council_role(client_for):
    # given
    today = timezone.localdate()
    seat = CouncilMemberFactory(
        active_from=today - datetime.timedelta(days=400), active_until=today - datetime.timedelta(days=1)
    )

    # when
    body = me(client_for, seat.user)

    # then
    assert body["roles"] == []


def test_council_member_whose_term_has_not_started_has_no_council_role(client_for):
    # given
    seat = CouncilMemberFactory(active_from=timezone.localdate() + datetime.timedelta(days=1))

    # when
    body = me(client_for, seat.user)

    # then
    assert body["roles"] == []


def test_council_term_ending_today_still_counts(client_for):
    # given
    today = timezone.localdate()
    seat = CouncilMemberFactory(active_from=today - datetime.timedelta(days=10), active_until=today)

    # when
    body = me(client_for, seat.user)

    # then
    assert body["roles"] == ["council_member"]


def test_api_client(client_for):
    # given
    client = ApiClientFactory(user__username="demo-bank")

    # when
    body = me(client_for, client.user)

    # then
    assert body == {
        "id": client.user.pk,
        "username": "demo-bank",
        "roles": ["api_client"],
        "businesses": [],
        "authority": None,
        "clearance": None,
        "is_supervisor": False,
    }


def test_api_client_bound_to_a_business_lists_it_without_the_entrepreneur_role(client_for):
    # given
    business = BusinessFactory(name="Dala Sound LLP")
    client = ApiClientFactory(business=business)

    # when
    body = me(client_for, client.user)

    # then
    assert body["roles"] == ["api_client"]
    assert body["businesses"] == [{"id": business.pk, "name": "Dala Sound LLP", "bin": business.bin}]


def test_user_with_no_links(client_for):
    # given
    user = UserFactory(username="nobody")

    # when
    body = me(client_for, user)

    # then
    assert body == {
        "id": user.pk,
        "username": "nobody",
        "roles": [],
        "businesses": [],
        "authority": None,
        "clearance": None,
        "is_supervisor": False,
    }


def test_staff_user_is_admin(client_for):
    # given
    user = UserFactory(is_staff=True)

    # when
    body = me(client_for, user)

    # then
    assert body["roles"] == ["admin"]


def test_roles_combine_in_a_fixed_order(client_for):
    # given: one person who is an entrepreneur, a supervising official in national oversight, a
    # council member and staff
    user = EntrepreneurFactory(is_staff=True)
    OfficialProfileFactory(user=user, supervisor=True)
    oversight_join(actor=None, user=user)
    CouncilMemberFactory(user=user, active_from=timezone.localdate())

    # when
    body = me(client_for, user)

    # then
    assert body["roles"] == ["entrepreneur", "official", "supervisor", "oversight", "council_member", "admin"]


def _me_queries(client_for, businesses: int) -> int:
    user = UserFactory()
    MembershipFactory.create_batch(businesses, user=user)
    OfficialProfileFactory(user=user)
    oversight_join(actor=None, user=user)
    CouncilMemberFactory(user=user, active_from=timezone.localdate())
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ME_URL)
    assert response.status_code == 200
    assert len(response.json()["businesses"]) == businesses
    return len(queries)


def test_query_count_does_not_grow_with_businesses(client_for):
    # given: one caller with 1 business, another with 20

    # when
    with_one = _me_queries(client_for, 1)
    with_twenty = _me_queries(client_for, 20)

    # then
    assert with_one == with_twenty


def test_query_count_is_fixed(client_for, django_assert_num_queries):
    # given
    one = _me_queries(client_for, 1)
    user = UserFactory()
    MembershipFactory.create_batch(20, user=user)
    client = client_for(user)

    # when: the count measured for one business must hold for twenty (checked on leaving the block)
    with django_assert_num_queries(one):
        response = client.get(ME_URL)

    # then
    assert response.status_code == 200
    assert len(response.json()["businesses"]) == 20
