"""Services of portal.accounts: what they refuse, what they create, and the audit events they write."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from portal.accounts import services
from portal.accounts.models import (
    ApiClient,
    Authority,
    Business,
    BusinessKind,
    Clearance,
    Jurisdiction,
    Membership,
    MembershipRole,
    OfficialProfile,
    User,
)
from portal.api.errors import ErrorCode, ValidationFailed
from portal.audit.models import AuditEvent
from tests.factories import AuthorityFactory, BusinessFactory, UserFactory, valid_bin

pytestmark = pytest.mark.django_db

GOOD_BIN = "900614500128"


def new_actions(since_id: int) -> list[str]:
    return list(AuditEvent.objects.filter(id__gt=since_id).order_by("id").values_list("action", flat=True))


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def create_business(**overrides) -> Business:
    values = {
        "actor": None,
        "name": "Aigerim Design Studio",
        "bin": GOOD_BIN,
        "kind": BusinessKind.INDIVIDUAL_ENTREPRENEUR,
        "city": "Almaty",
    }
    return services.business_create(**{**values, **overrides})


# --- business_create ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_bin",
    ["900614500129", "90061450012", "9006145001280", "90061450012a", ""],
    ids=["control-digit", "short", "long", "letter", "empty"],
)
def test_business_create_with_bad_bin_names_bin_and_creates_nothing(bad_bin):
    # given
    owner = UserFactory()
    start = last_event_id()

    # when
    with pytest.raises(ValidationFailed) as excinfo:
        create_business(bin=bad_bin, owner=owner)

    # then
    assert excinfo.value.code == ErrorCode.INVALID
    assert "bin" in excinfo.value.fields
    assert Business.objects.count() == 0
    assert Membership.objects.count() == 0
    assert new_actions(start) == []


def test_business_create_with_taken_bin_names_bin():
    # given
    create_business()
    start = last_event_id()

    # when
    with pytest.raises(ValidationFailed) as excinfo:
        create_business(name="Another")

    # then
    assert "bin" in excinfo.value.fields
    assert Business.objects.count() == 1
    assert new_actions(start) == []


def test_business_create_with_unknown_kind_names_kind():
    # given
    start = last_event_id()

    # when
    with pytest.raises(ValidationFailed) as excinfo:
        create_business(kind="cooperative")

    # then
    assert "kind" in excinfo.value.fields
    assert Business.objects.count() == 0
    assert new_actions(start) == []


def test_business_create_with_owner_makes_an_owner_membership_and_two_events():
    # given
    owner = UserFactory()
    actor = UserFactory(is_staff=True)
    start = last_event_id()

    # when
    business = create_business(actor=actor, owner=owner)

    # then
    membership = Membership.objects.get()
    assert (membership.user, membership.business, membership.role) == (owner, business, MembershipRole.OWNER)
    assert new_actions(start) == ["accounts.business_created", "accounts.membership_added"]
    created = AuditEvent.objects.get(id__gt=start, action="accounts.business_created")
    assert created.actor_id == actor.pk
    assert created.object_type == "accounts.business"
    assert created.object_id == str(business.pk)
    assert created.data == {
        "name": "Aigerim Design Studio",
        "bin": GOOD_BIN,
        "kind": "individual_entrepreneur",
        "city": "Almaty",
        "owner": owner.pk,
    }


def test_business_create_without_owner_writes_one_event_and_no_membership():
    # given
    start = last_event_id()

    # when
    business = create_business()

    # then
    assert Business.objects.get() == business
    assert Membership.objects.count() == 0
    assert new_actions(start) == ["accounts.business_created"]
    assert AuditEvent.objects.get(id__gt=start).actor_label == "system"


# --- membership_add -----------------------------------------------------------------------------


def test_membership_add_writes_one_event():
    # given
    user, business = UserFactory(), BusinessFactory()
    start = last_event_id()

    # when
    membership = services.membership_add(actor=None, user=user, business=business, role=MembershipRole.MEMBER)

    # then
    assert membership.role == "member"
    assert new_actions(start) == ["accounts.membership_added"]


def test_membership_add_twice_is_already_member_and_writes_nothing():
    # given
    user, business = UserFactory(), BusinessFactory()
    services.membership_add(actor=None, user=user, business=business, role=MembershipRole.OWNER)
    start = last_event_id()

    # when
    with pytest.raises(ValidationFailed) as excinfo:
        services.membership_add(actor=None, user=user, business=business, role=MembershipRole.MEMBER)

    # then
    assert excinfo.value.code == ErrorCode.ALREADY_MEMBER
    assert excinfo.value.status_code == 400
    assert Membership.objects.filter(user=user, business=business).count() == 1
    assert Membership.objects.get(user=user, business=business).role == "owner"
    assert new_actions(start) == []


def test_membership_add_with_unknown_role_names_role():
    # given
    user, business = UserFactory(), BusinessFactory()
    start = last_event_id()

    # when
    with pytest.raises(ValidationFailed) as excinfo:
        services.membership_add(actor=None, user=user, business=business, role="boss")

    # then
    assert "role" in excinfo.value.fields
    assert Membership.objects.count() == 0
    assert new_actions(start) == []


# --- authority_create ---------------------------------------------------------------------------


def test_authority_create_writes_one_event():
    # given
    start = last_event_id()

    # when
    authority = services.authority_create(
        actor=None,
        code="almaty-akimat",
        name="Akimat of Almaty",
        jurisdiction=Jurisdiction.CITY,
        city="Almaty",
    )

    # then
    assert Authority.objects.get() == authority
    assert new_actions(start) == ["accounts.authority_created"]


@pytest.mark.parametrize("code", ["MCI", "Mci", "almaty-AKIMAT"])
def test_authority_code_with_uppercase_is_refused(code):
    # given
    start = last_event_id()

    # when
    with pytest.raises(ValidationFailed) as excinfo:
        services.authority_create(actor=None, code=code, name="Ministry", jurisdiction=Jurisdiction.NATIONAL)

    # then: the error names the field
    fields = excinfo.value.fields
    assert fields["code"] == ["Lowercase letters, digits and hyphens only."]
    assert Authority.objects.count() == 0
    assert new_actions(start) == []


def test_database_refuses_uppercase_authority_code_even_past_the_service():
    # given: a write that bypasses the service and its validation

    # when
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        Authority.objects.create(code="MCI", name="Ministry", jurisdiction=Jurisdiction.NATIONAL)

    # then
    assert "authority_code_lowercase" in str(excinfo.value)
    assert Authority.objects.count() == 0


def test_authority_create_with_taken_code_names_code():
    # given
    AuthorityFactory(code="mci")
    start = last_event_id()

    # when
    with pytest.raises(ValidationFailed) as excinfo:
        services.authority_create(actor=None, code="mci", name="Again", jurisdiction=Jurisdiction.NATIONAL)

    # then
    assert "code" in excinfo.value.fields
    assert new_actions(start) == []


# --- official_appoint ---------------------------------------------------------------------------


def test_official_appoint_writes_one_event_with_what_was_granted():
    # given
    user, authority = UserFactory(), AuthorityFactory(code="mes")
    start = last_event_id()

    # when
    profile = services.official_appoint(
        actor=None, user=user, authority=authority, clearance=Clearance.HIGH, is_supervisor=True
    )

    # then
    assert (profile.clearance, profile.is_supervisor) == ("high", True)
    assert new_actions(start) == ["accounts.official_appointed"]
    assert AuditEvent.objects.get(id__gt=start).data == {
        "user": user.pk,
        "authority": "mes",
        "clearance": "high",
        "is_supervisor": True,
    }


def test_official_appoint_twice_is_already_official_and_writes_nothing():
    # given
    user = UserFactory()
    services.official_appoint(actor=None, user=user, authority=AuthorityFactory(), clearance=Clearance.LOW)
    start = last_event_id()

    # when: even at another authority, one person is an official of one authority only
    with pytest.raises(ValidationFailed) as excinfo:
        services.official_appoint(
            actor=None, user=user, authority=AuthorityFactory(), clearance=Clearance.HIGH
        )

    # then
    assert excinfo.value.code == ErrorCode.ALREADY_OFFICIAL
    assert OfficialProfile.objects.get(user=user).clearance == "low"
    assert new_actions(start) == []


def test_official_appoint_with_unknown_clearance_names_clearance():
    # given
    user = UserFactory()
    start = last_event_id()

    # when
    with pytest.raises(ValidationFailed) as excinfo:
        services.official_appoint(actor=None, user=user, authority=AuthorityFactory(), clearance="top-secret")

    # then
    assert set(excinfo.value.fields) == {"clearance"}
    assert not OfficialProfile.objects.filter(user=user).exists()
    assert new_actions(start) == []


# --- user_create and api_client_create ----------------------------------------------------------


def test_user_create_hashes_the_password_and_writes_one_event():
    # given
    start = last_event_id()

    # when
    user = services.user_create(actor=None, username="aliya", password="a-long-password")

    # then
    assert user.check_password("a-long-password")
    assert "a-long-password" not in user.password
    assert new_actions(start) == ["accounts.user_created"]
    assert "a-long-password" not in str(AuditEvent.objects.get(id__gt=start).data)


def test_user_create_without_password_makes_an_unusable_one():
    # given / when
    user = services.user_create(actor=None, username="service", password=None)

    # then
    assert not user.has_usable_password()


def test_user_create_with_taken_username_names_username():
    # given
    UserFactory(username="aliya")
    start = last_event_id()

    # when
    with pytest.raises(ValidationFailed) as excinfo:
        services.user_create(actor=None, username="aliya", password="x")

    # then
    assert "username" in excinfo.value.fields
    assert User.objects.filter(username="aliya").count() == 1
    assert new_actions(start) == []


def test_api_client_create_writes_one_event():
    # given
    user = UserFactory()
    business = BusinessFactory(bin=valid_bin(7))
    start = last_event_id()

    # when
    client = services.api_client_create(actor=None, name="Bank", user=user, business=business)

    # then
    assert ApiClient.objects.get() == client
    assert new_actions(start) == ["accounts.api_client_created"]
    assert AuditEvent.objects.get(id__gt=start).data == {
        "name": "Bank",
        "user": user.pk,
        "business": business.pk,
    }


def test_api_client_create_with_taken_name_names_name():
    # given
    services.api_client_create(actor=None, name="Bank", user=UserFactory())
    start = last_event_id()

    # when
    with pytest.raises(ValidationFailed) as excinfo:
        services.api_client_create(actor=None, name="Bank", user=UserFactory())

    # then
    assert "name" in excinfo.value.fields
    assert ApiClient.objects.count() == 1
    assert new_actions(start) == []


# --- token services -----------------------------------------------------------------------------


def test_token_issued_by_an_admin_names_the_admin_as_actor():
    # given
    client_user, admin = UserFactory(), UserFactory(is_staff=True)
    start = last_event_id()

    # when
    instance, key = services.auth_token_issue(user=client_user, actor=admin)

    # then
    event = AuditEvent.objects.get(id__gt=start)
    assert event.action == "accounts.token_issued"
    assert event.actor_id == admin.pk
    assert event.data["user"] == client_user.pk
    assert instance.user == client_user
    assert key.startswith(instance.token_key)


def test_revoke_all_with_no_tokens_still_records_zero():
    # given
    user = UserFactory()
    start = last_event_id()

    # when
    revoked = services.auth_token_revoke_all(user=user)

    # then
    assert revoked == 0
    assert new_actions(start) == ["accounts.tokens_revoked_all"]
    assert AuditEvent.objects.get(id__gt=start).data == {"count": 0}
