"""council.policies on its own: who holds a seat, who is an officer, who speaks for a business."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from council import policies
from council.errors import CouncilErrorCode
from council.models import CouncilRole
from portal.api.errors import Forbidden, ValidationFailed
from tests.factories import (
    BusinessFactory,
    CouncilFactory,
    CouncilMemberFactory,
    EntrepreneurFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2026, 9, 16, 10, 30, tzinfo=ZoneInfo("Asia/Almaty")), tick=False):
        yield


def test_require_member_and_officer_refuse_the_right_people():
    # given
    council = CouncilFactory()
    outsider = UserFactory()
    member = CouncilMemberFactory(council=council).user
    chair = CouncilMemberFactory(council=council, role=CouncilRole.CHAIR).user
    # when / then
    with pytest.raises(Forbidden) as refused:
        policies.require_member(outsider, council)
    assert refused.value.code == CouncilErrorCode.NOT_COUNCIL_MEMBER
    with pytest.raises(Forbidden) as refused:
        policies.require_officer(member, council)
    assert refused.value.code == CouncilErrorCode.NOT_COUNCIL_OFFICER
    assert policies.require_member(member, council).user == member
    assert policies.require_officer(chair, council).user == chair


def test_require_entrepreneur_refuses_someone_who_acts_for_no_business():
    # given
    nobody = UserFactory()
    entrepreneur = EntrepreneurFactory()
    # when / then
    with pytest.raises(Forbidden) as refused:
        policies.require_entrepreneur(nobody)
    assert refused.value.code == CouncilErrorCode.NOT_AN_ENTREPRENEUR
    assert policies.require_entrepreneur(entrepreneur) == [entrepreneur.memberships.get().business_id]


def test_check_speaks_for_refuses_a_business_the_user_does_not_act_for():
    # given
    entrepreneur = EntrepreneurFactory()
    own = entrepreneur.memberships.get().business_id
    # when / then
    with pytest.raises(ValidationFailed) as refused:
        policies.check_speaks_for(entrepreneur, BusinessFactory().pk)
    assert "business" in refused.value.fields
    policies.check_speaks_for(entrepreneur, own)
    policies.check_speaks_for(entrepreneur, None)
