"""The accounts services stamp the moment they are given (`now=`), so a seed or a replay need not
rewrite the rows afterwards; without it they stamp the current time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from portal.accounts import services
from portal.accounts.models import ApiClient, Business, BusinessKind, Membership, User
from tests.factories import BusinessFactory, UserFactory

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
TODAY = dt.datetime(2026, 9, 16, 10, 30, tzinfo=ALMATY)
LAST_WINTER = dt.datetime(2026, 1, 20, 9, 15, tzinfo=ALMATY)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def test_user_business_and_membership_are_stamped_with_the_given_moment():
    # when
    owner = services.user_create(actor=None, username="aigerim", password=None, now=LAST_WINTER)
    business = services.business_create(
        actor=None,
        name="Aigerim Design Studio",
        bin="900614500128",
        kind=BusinessKind.INDIVIDUAL_ENTREPRENEUR,
        city="Almaty",
        owner=owner,
        now=LAST_WINTER,
    )
    # then
    assert User.objects.get(pk=owner.pk).date_joined == LAST_WINTER
    assert Business.objects.get(pk=business.pk).created_at == LAST_WINTER
    assert Membership.objects.get(business=business).created_at == LAST_WINTER


def test_without_now_the_services_stamp_the_current_time():
    # when
    user = services.user_create(actor=None, username="daniyar", password=None)
    membership = services.membership_add(actor=None, user=user, business=BusinessFactory(), role="owner")
    # then
    assert User.objects.get(pk=user.pk).date_joined == TODAY
    assert Membership.objects.get(pk=membership.pk).created_at == TODAY


def test_api_client_and_token_are_stamped_with_the_given_moment():
    # given
    user = UserFactory()
    # when
    client = services.api_client_create(actor=None, name="Bookkeeping", user=user, now=LAST_WINTER)
    token, _key = services.auth_token_issue(user=user, now=LAST_WINTER)
    # then
    assert ApiClient.objects.get(pk=client.pk).created_at == LAST_WINTER
    token.refresh_from_db()
    assert token.created == LAST_WINTER
    assert token.expiry == LAST_WINTER + settings.REST_KNOX["TOKEN_TTL"]
