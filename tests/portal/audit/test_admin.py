"""The audit trail in the admin: readable, never editable; and admin saves of other models are audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.accounts.models import Business, BusinessKind, Membership
from portal.audit.models import AuditEvent
from portal.audit.services import record, verify_chain
from tests.factories import BusinessFactory, MembershipFactory, UserFactory, valid_bin

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return record(actor=None, action="test.seen", object_type="test.thing", object_id=1, data={"a": 1})


def _business_form(**overrides) -> dict[str, str]:
    form = {
        "name": "Steppe Sound Studio",
        "bin": valid_bin(9001),
        "kind": BusinessKind.COMPANY,
        "city": "Astana",
        "activity": "",
        # the Membership inline's management form: no inline rows
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    form.update(overrides)
    return form


# --- the AuditEvent admin is read-only ------------------------------------------------------------


def test_superuser_can_list_audit_events(admin_client, event):
    # given
    url = reverse("admin:audit_auditevent_changelist")

    # when
    response = admin_client.get(url)

    # then
    assert response.status_code == 200
    assert "test.seen" in response.content.decode()


def test_add_view_is_forbidden_even_to_a_superuser(admin_client):
    # given
    url = reverse("admin:audit_auditevent_add")

    # when
    get_response = admin_client.get(url)
    post_response = admin_client.post(url, {"action": "test.forged"})

    # then
    assert get_response.status_code == 403
    assert post_response.status_code == 403
    assert not AuditEvent.objects.filter(action="test.forged").exists()


def test_change_view_shows_the_event_without_a_save_button(admin_client, event):
    # given
    url = reverse("admin:audit_auditevent_change", args=[event.pk])

    # when
    response = admin_client.get(url)

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert "test.seen" in content
    assert 'name="_save"' not in content
    assert 'name="_continue"' not in content


def test_post_to_change_view_is_refused_and_the_event_is_unchanged(admin_client, event):
    # given
    url = reverse("admin:audit_auditevent_change", args=[event.pk])

    # when
    response = admin_client.post(url, {"action": "test.rewritten", "_save": "Save"})

    # then
    assert response.status_code == 403
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.hash) == ("test.seen", event.hash)


def test_delete_view_is_forbidden(admin_client, event):
    # given
    url = reverse("admin:audit_auditevent_delete", args=[event.pk])

    # when
    response = admin_client.post(url, {"post": "yes"})

    # then
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_staff_without_view_permission_cannot_see_the_trail(client, event):
    # given
    staff = UserFactory(username="plain-staff", is_staff=True)
    client.force_login(staff)

    # when
    response = client.get(reverse("admin:audit_auditevent_changelist"))

    # then
    assert response.status_code == 403


# --- admin writes are audited ----------------------------------------------------------------------


def test_adding_a_business_in_the_admin_records_admin_created(admin_client, superuser):
    # given
    url = reverse("admin:accounts_business_add")

    # when
    response = admin_client.post(url, _business_form())

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    business = Business.objects.get(bin=valid_bin(9001))
    event = AuditEvent.objects.get(action="admin.created", object_type="accounts.business")
    assert event.object_id == str(business.pk)
    assert (event.actor_id, event.actor_label) == (superuser.pk, "root-admin")
    assert {"name", "bin", "kind", "city"} <= set(event.data["fields"])
    assert event.data["fields"] == sorted(event.data["fields"])
    assert verify_chain() == (1, None)


def test_adding_a_business_with_an_inline_membership_audits_both(admin_client, superuser):
    # given
    owner = UserFactory(username="studio-owner")
    form = _business_form(
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-user": str(owner.pk),
            "memberships-0-role": "owner",
        }
    )

    # when
    response = admin_client.post(reverse("admin:accounts_business_add"), form)

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=owner)
    created = AuditEvent.objects.filter(
        action__in=["admin.created", "accounts.membership_added"], actor=superuser
    ).order_by("id")
    # the membership through its service, whose event says who joined which business
    assert [(e.action, e.object_type, e.object_id) for e in created] == [
        ("admin.created", "accounts.business", str(membership.business_id)),
        ("accounts.membership_added", "accounts.membership", str(membership.pk)),
    ]


def test_invalid_business_form_records_nothing(admin_client):
    # given
    form = _business_form(bin="123456789012")

    # when
    response = admin_client.post(reverse("admin:accounts_business_add"), form)

    # then
    assert response.status_code == 200
    assert not Business.objects.exists()
    assert not AuditEvent.objects.exists()


def test_changing_a_business_in_the_admin_records_the_changed_fields(admin_client):
    # given
    business = BusinessFactory(city="Almaty")
    form = _business_form(name=business.name, bin=business.bin, city="Shymkent")

    # when
    response = admin_client.post(reverse("admin:accounts_business_change", args=[business.pk]), form)

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="admin.changed")
    assert (event.object_type, event.object_id) == ("accounts.business", str(business.pk))
    assert event.data == {"fields": ["city"]}


def test_deleting_a_business_in_the_admin_records_admin_deleted(admin_client):
    # given
    business = BusinessFactory()
    business_id = business.pk

    # when
    response = admin_client.post(
        reverse("admin:accounts_business_delete", args=[business_id]), {"post": "yes"}
    )

    # then
    assert response.status_code == 302
    assert not Business.objects.filter(pk=business_id).exists()
    event = AuditEvent.objects.get(action="admin.deleted")
    assert (event.object_type, event.object_id) == ("accounts.business", str(business_id))


def test_deleting_an_inline_membership_records_its_id(admin_client):
    # given
    membership = MembershipFactory()
    business = membership.business
    form = _business_form(
        name=business.name,
        bin=business.bin,
        city=business.city,
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": str(membership.pk),
            "memberships-0-business": str(business.pk),
            "memberships-0-user": str(membership.user_id),
            "memberships-0-role": membership.role,
            "memberships-0-DELETE": "on",
        },
    )

    # when
    response = admin_client.post(reverse("admin:accounts_business_change", args=[business.pk]), form)

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="accounts.membership_removed")
    assert (event.object_type, event.object_id) == ("accounts.membership", str(membership.pk))
