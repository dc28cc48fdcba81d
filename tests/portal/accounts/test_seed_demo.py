"""`manage.py seed_demo`: the documented demo accounts, idempotence, and its refusal in production."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.checks import Error
from django.core.management import call_command
from rest_framework.test import APIClient

from council.models import CouncilMember
from demo.history import HISTORY_ENTREPRENEURS
from demo.seed import ACTIVITIES, AUTHORITIES, COUNCIL_NAME, COUNCIL_SEATS, STAKEHOLDERS
from permits.models import ActivityCategory
from portal.accounts.checks import no_demo_accounts_in_production
from portal.accounts.models import (
    ApiClient,
    Authority,
    Business,
    BusinessKind,
    Membership,
    MembershipRole,
    OfficialProfile,
    User,
)
from portal.accounts.selectors import caller_get
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

AUTHORITY_CODES = [code for code, *_ in AUTHORITIES]
SEATS = [("reviewer", "medium", False), ("senior1", "high", False), ("senior2", "high", False)]
SEATS += [("supervisor", "high", True)]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the demo history uploads its documents


@pytest.fixture(scope="module")
def seeded(module_db):
    """Seeded once for the module: its tests read the demo; what one changes rolls back."""
    with module_db():
        return seed()


def snapshot() -> dict:
    return {
        "users": User.objects.count(),
        "businesses": Business.objects.count(),
        "memberships": Membership.objects.count(),
        "authorities": Authority.objects.count(),
        "officials": OfficialProfile.objects.count(),
        "council_members": CouncilMember.objects.count(),
        "api_clients": ApiClient.objects.count(),
        "activities": ActivityCategory.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "last_audit_hash": AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first(),
        "passwords": dict(User.objects.values_list("username", "password")),
    }


@pytest.mark.parametrize("code", AUTHORITY_CODES)
def test_each_authority_has_its_four_officials(seeded, code):
    # given: the demo data is loaded (fixture)

    # when
    officials = {
        p.user.username: (p.clearance, p.is_supervisor)
        for p in OfficialProfile.objects.filter(authority__code=code).select_related("user")
    }

    # then
    assert officials == {f"{code}-{suffix}": (clearance, sup) for suffix, clearance, sup in SEATS}


def test_aigerim_owns_an_individual_entrepreneur_business(seeded):
    # given: the demo data is loaded (fixture)

    # when
    membership = Membership.objects.select_related("business").get(user__username="aigerim")

    # then
    assert membership.role == MembershipRole.OWNER
    assert membership.business.kind == BusinessKind.INDIVIDUAL_ENTREPRENEUR
    assert membership.business.bin == "900614500128"


def test_daniyar_owns_a_company(seeded):
    # given: the demo data is loaded (fixture)

    # when
    membership = Membership.objects.select_related("business").get(user__username="daniyar")

    # then
    assert membership.role == MembershipRole.OWNER
    assert membership.business.kind == BusinessKind.COMPANY
    assert membership.business.bin == "210340007893"


@pytest.mark.parametrize("username", ["council-chair", "council-secretary", "council-member"])
def test_council_accounts_are_active_members(seeded, username):
    # given: the demo data is loaded (fixture)
    user = User.objects.get(username=username)

    # when
    caller = caller_get(user=user)

    # then
    assert CouncilMember.objects.active().filter(user=user, council__name=COUNCIL_NAME).exists()
    assert caller.roles == ["council_member"]


def test_every_council_sector_has_a_seat(seeded):
    # given: the demo data is loaded (fixture)

    # when
    sectors = set(CouncilMember.objects.filter(council__name=COUNCIL_NAME).values_list("sector", flat=True))

    # then
    assert sectors == {sector for _, _, _, sector, _ in COUNCIL_SEATS}


def test_demo_bank_is_an_api_client(seeded):
    # given: the demo data is loaded (fixture)
    user = User.objects.get(username="demo-bank")

    # when
    caller = caller_get(user=user)

    # then
    assert ApiClient.objects.filter(user=user).exists()
    assert caller.roles == ["api_client"]


def test_the_oversight_account_has_the_oversight_role(seeded):
    # given: the demo data is loaded (fixture)
    user = User.objects.get(username="oversight")

    # when
    caller = caller_get(user=user)

    # then
    assert caller.roles == ["oversight"]


def test_every_demo_account_has_the_demo_password_and_flag(seeded):
    # given: the documented accounts
    documented = {f"{code}-{suffix}" for code in AUTHORITY_CODES for suffix, _, _ in SEATS}
    documented |= {"aigerim", "daniyar", "demo-bank", "admin", "oversight"}
    documented |= {username for username, *_ in COUNCIL_SEATS}
    documented |= {username for username, *_ in STAKEHOLDERS}
    documented |= {username for username, *_ in HISTORY_ENTREPRENEURS}

    # when
    users = list(User.objects.all())

    # then
    assert {u.username for u in users} == documented
    assert all(u.is_demo for u in users)
    assert all(u.check_password(django_settings.DEMO_PASSWORD) for u in users)
    assert User.objects.get(username="admin").is_superuser


def test_a_demo_account_can_log_in_over_the_api(seeded):
    # given
    client = APIClient()

    # when
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "mci-reviewer", "password": django_settings.DEMO_PASSWORD},
        format="json",
    )

    # then
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = client.get("/api/v1/me/").json()
    assert me["roles"] == ["official"]
    assert me["authority"]["code"] == "mci"
    assert me["clearance"] == "medium"


def test_catalogue_activities_are_seeded(seeded):
    # given: the demo data is loaded (fixture)

    # when
    codes = set(ActivityCategory.objects.values_list("code", flat=True))

    # then
    assert codes == {code for code, _, _ in ACTIVITIES}


def test_second_run_changes_nothing(seeded):
    # given
    before = snapshot()

    # when
    output = seed()

    # then
    assert snapshot() == before
    assert "nothing to do" in output


def test_audit_chain_verifies_after_seeding(seeded):
    # given
    out = StringIO()

    # when
    call_command("verify_audit", stdout=out)

    # then
    assert "Audit chain intact" in out.getvalue()
    assert AuditEvent.objects.count() > 0


def test_check_flags_demo_accounts_in_production(seeded, settings):
    # given
    settings.IS_PRODUCTION = True

    # when
    errors = no_demo_accounts_in_production(databases=["default"])

    # then
    assert len(errors) == 1
    assert isinstance(errors[0], Error)
    assert errors[0].id == "portal.E001"


def test_check_is_silent_outside_production(seeded, settings):
    # given
    settings.IS_PRODUCTION = False

    # when
    errors = no_demo_accounts_in_production(databases=["default"])

    # then
    assert errors == []


def test_check_ignores_deactivated_demo_accounts(seeded, settings):
    # given
    settings.IS_PRODUCTION = True
    User.objects.filter(is_demo=True).update(is_active=False)

    # when
    errors = no_demo_accounts_in_production(databases=["default"])

    # then
    assert errors == []


def test_check_needs_the_database_to_be_asked_for(seeded, settings):
    # given: `manage.py check` without --database passes no databases
    settings.IS_PRODUCTION = True

    # when
    errors = no_demo_accounts_in_production(databases=None)

    # then
    assert errors == []
