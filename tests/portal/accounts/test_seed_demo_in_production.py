"""`seed_demo` and the demo-account check in production, on a database without the demo (the
module beside this one seeds it once for all its tests)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError

from portal.accounts.checks import no_demo_accounts_in_production
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from tests.factories import UserFactory
from tests.portal.accounts.test_seed_demo import seed

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_to_run_in_production(settings):
    # given
    settings.IS_PRODUCTION = True

    # when
    with pytest.raises(CommandError) as excinfo:
        seed()

    # then
    assert "production" in str(excinfo.value)
    assert User.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_check_is_silent_in_production_without_demo_accounts(settings):
    # given
    settings.IS_PRODUCTION = True
    UserFactory(username="real-person")

    # when
    errors = no_demo_accounts_in_production(databases=["default"])

    # then
    assert errors == []
