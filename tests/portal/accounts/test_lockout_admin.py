"""An administrator unlocks an account from the admin (the LoginFailure list or the User list): one
service call, one transaction, one audit event; the owner may sign in again at once."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from portal.accounts.models import LoginFailure
from portal.accounts.services import login_lockout_clear
from portal.audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
ALMATY = datetime.timezone(datetime.timedelta(hours=5))
START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(START, tick=False)


@pytest.fixture
def lockout_after_3(settings):
    settings.PORTAL_LOGIN_LOCKOUT_FAILURES = 3
    settings.PORTAL_LOGIN_LOCKOUT_WINDOW_MINUTES = 15
    settings.PORTAL_LOCKOUT_MINUTES = 15


def sign_in(api_client, username: str, password: str | None = None):
    body = {"username": username, "password": password or "correct-horse-battery"}
    return api_client.post(TOKEN_URL, body, format="json", REMOTE_ADDR="192.0.2.10")


def locked_out(api_client, username: str) -> LoginFailure:
    for _ in range(3):
        assert sign_in(api_client, username, "guess").status_code == 400
    assert sign_in(api_client, username).status_code == 429
    return LoginFailure.objects.get(username=username)


def run_action(client, changelist: str, action: str, pks) -> object:
    return client.post(
        reverse(changelist), {"action": action, "_selected_action": [str(pk) for pk in pks]}, follow=True
    )


def test_the_login_failure_admin_unlocks_an_account(api_client, client, superuser, lockout_after_3):
    # given: aliya is locked out
    aliya = UserFactory(username="aliya")
    failure = locked_out(api_client, "aliya")
    client.force_login(superuser)

    # when
    response = run_action(client, "admin:accounts_loginfailure_changelist", "clear_lockout", [failure.pk])

    # then: the failures are gone, one event says who unlocked whom, and the right password works now
    assert response.status_code == 200
    assert "Cleared the sign-in lockout of 1 account." in response.content.decode()
    assert not LoginFailure.objects.filter(username="aliya").exists()
    event = AuditEvent.objects.get(action="accounts.lockout_cleared")
    assert (event.actor_id, event.object_type, event.object_id) == (
        superuser.pk,
        "accounts.loginfailure",
        str(failure.pk),
    )
    assert event.data["username"] == "aliya"
    assert event.data["user"] == aliya.pk
    assert event.data["failures"] == 3
    assert event.data["locked_until"] is not None
    assert sign_in(api_client, "aliya").status_code == 200


def test_the_user_admin_unlocks_the_selected_accounts(api_client, client, superuser, lockout_after_3):
    # given: one locked account, one that never failed
    aliya = UserFactory(username="aliya")
    calm = UserFactory(username="calm")
    locked_out(api_client, "aliya")
    client.force_login(superuser)

    # when
    response = run_action(client, "admin:accounts_user_changelist", "clear_lockout", [aliya.pk, calm.pk])

    # then: only the one with something to clear leaves an event
    assert response.status_code == 200
    assert "Cleared the sign-in lockout of 1 account." in response.content.decode()
    assert not LoginFailure.objects.exists()
    assert list(
        AuditEvent.objects.filter(action="accounts.lockout_cleared").values_list("data__username", flat=True)
    ) == ["aliya"]
    assert sign_in(api_client, "aliya").status_code == 200


def test_staff_without_the_permission_cannot_unlock(api_client, client, lockout_after_3):
    # given: a staff member who may read the failures but not clear them
    failure = locked_out(api_client, "aliya")
    staff = UserFactory(username="helpdesk", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_loginfailure"))
    client.force_login(staff)

    # when
    listing = client.get(reverse("admin:accounts_loginfailure_changelist"))
    response = run_action(client, "admin:accounts_loginfailure_changelist", "clear_lockout", [failure.pk])

    # then: the action is not offered, and posting it anyway changes nothing
    assert listing.status_code == 200
    assert "clear_lockout" not in listing.content.decode()
    assert response.status_code == 200
    assert LoginFailure.objects.filter(username="aliya").exists()
    assert not AuditEvent.objects.filter(action="accounts.lockout_cleared").exists()


def test_the_failures_cannot_be_added_edited_or_deleted_in_the_admin(client, superuser, lockout_after_3):
    # given
    client.force_login(superuser)

    # when
    add = client.get(reverse("admin:accounts_loginfailure_add"))

    # then: the unlock action is the only write
    assert add.status_code == 403


def test_clearing_nothing_records_nothing(superuser):
    # when
    cleared = login_lockout_clear(actor=superuser, username="nobody")

    # then
    assert cleared is False
    assert not AuditEvent.objects.filter(action="accounts.lockout_cleared").exists()
