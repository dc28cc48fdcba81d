"""Memberships made in the admin (the Business page's inline) go through the accounts services: each
audit event says who was added to, changed in or removed from which business, and in which role."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from portal.accounts.models import BusinessKind, Membership, MembershipRole
from portal.audit.models import AuditEvent
from tests.factories import MembershipFactory, UserFactory, valid_bin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel("2026-05-04 10:00 +0500", tick=False):
        yield


def business_form(business=None, rows: list[dict] | None = None, initial: int = 0) -> dict[str, str]:
    """The Business admin form with its Membership inline rows, as the browser posts it."""
    form = {
        "name": business.name if business else "Steppe Sound Studio",
        "bin": business.bin if business else valid_bin(9101),
        "kind": BusinessKind.COMPANY,
        "city": business.city if business else "Astana",
        "activity": "",
        "memberships-TOTAL_FORMS": str(len(rows or [])),
        "memberships-INITIAL_FORMS": str(initial),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows or []):
        form |= {f"memberships-{n}-{key}": str(value) for key, value in row.items()}
    return form


def existing_row(membership: Membership, **change) -> dict:
    return {
        "id": membership.pk,
        "business": membership.business_id,
        "user": membership.user_id,
        "role": membership.role,
    } | change


def test_a_member_added_in_the_admin_is_audited_with_who_and_where(admin_client, superuser):
    # given
    owner = UserFactory(username="studio-owner")

    # when
    response = admin_client.post(
        reverse("admin:accounts_business_add"),
        business_form(rows=[{"user": owner.pk, "role": MembershipRole.OWNER}]),
    )

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=owner)
    event = AuditEvent.objects.get(action="accounts.membership_added")
    assert (event.actor_id, event.object_type, event.object_id) == (
        superuser.pk,
        "accounts.membership",
        str(membership.pk),
    )
    assert event.data == {
        "user": owner.pk,
        "username": "studio-owner",
        "business": membership.business_id,
        "business_name": "Steppe Sound Studio",
        "role": "owner",
    }
    assert not AuditEvent.objects.filter(action="admin.created", object_type="accounts.membership").exists()


def test_a_role_changed_in_the_admin_is_audited_with_before_and_after(admin_client, superuser):
    # given
    membership = MembershipFactory(role=MembershipRole.MEMBER, user__username="designer")
    business = membership.business

    # when
    response = admin_client.post(
        reverse("admin:accounts_business_change", args=[business.pk]),
        business_form(business, [existing_row(membership, role=MembershipRole.OWNER)], initial=1),
    )

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Membership.objects.get(pk=membership.pk).role == MembershipRole.OWNER
    event = AuditEvent.objects.get(action="accounts.membership_changed")
    assert event.actor_id == superuser.pk
    assert event.data == {
        "user": membership.user_id,
        "username": "designer",
        "business": business.pk,
        "business_name": business.name,
        "role": "owner",
        "role_before": "member",
    }


def test_a_member_removed_in_the_admin_is_audited_with_who_and_where(admin_client, superuser):
    # given
    membership = MembershipFactory(user__username="leaver")
    business = membership.business

    # when
    response = admin_client.post(
        reverse("admin:accounts_business_change", args=[business.pk]),
        business_form(business, [existing_row(membership, DELETE="on")], initial=1),
    )

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="accounts.membership_removed")
    assert (event.actor_id, event.object_id) == (superuser.pk, str(membership.pk))
    assert event.data == {
        "user": membership.user_id,
        "username": "leaver",
        "business": business.pk,
        "business_name": business.name,
        "role": membership.role,
    }


def test_another_person_in_a_row_is_one_removal_and_one_addition(admin_client):
    # given
    membership = MembershipFactory(user__username="first")
    newcomer = UserFactory(username="second")
    business = membership.business

    # when
    response = admin_client.post(
        reverse("admin:accounts_business_change", args=[business.pk]),
        business_form(business, [existing_row(membership, user=newcomer.pk)], initial=1),
    )

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(business.memberships.values_list("user__username", flat=True)) == ["second"]
    events = AuditEvent.objects.filter(action__startswith="accounts.membership_").order_by("id")
    assert [(e.action, e.data["username"], e.data["business"]) for e in events] == [
        ("accounts.membership_removed", "first", business.pk),
        ("accounts.membership_added", "second", business.pk),
    ]


def test_saving_a_business_with_unchanged_members_records_no_membership_event(admin_client):
    # given
    membership = MembershipFactory()
    business = membership.business

    # when
    response = admin_client.post(
        reverse("admin:accounts_business_change", args=[business.pk]),
        business_form(business, [existing_row(membership)], initial=1),
    )

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not AuditEvent.objects.filter(action__startswith="accounts.membership_").exists()
