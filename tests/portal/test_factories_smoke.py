import pytest

from portal.accounts.validators import validate_bin
from tests.factories import EntrepreneurFactory, OfficialProfileFactory, valid_bin

pytestmark = pytest.mark.django_db


def test_factories_build_valid_related_objects():
    # given / when
    owner = EntrepreneurFactory()
    official = OfficialProfileFactory(high=True)

    # then
    business = owner.memberships.get().business
    validate_bin(business.bin)
    assert official.clearance == "high"
    assert owner.check_password("correct-horse-battery")
    assert len({valid_bin(n) for n in range(50)}) == 50
