"""Fixtures the council's report and goal tests share; a test file may still override them."""

from __future__ import annotations

import pytest

from council.models import CouncilRole
from tests.factories import CouncilFactory, CouncilMemberFactory


@pytest.fixture
def council():
    return CouncilFactory()


@pytest.fixture
def secretary(council):
    return CouncilMemberFactory(council=council, role=CouncilRole.SECRETARY).user
