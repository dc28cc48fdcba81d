"""GET notifications/, unread count, mark read, and email preferences: each caller's own only."""

import pytest

from portal.api.errors import ErrorCode
from portal.notifications import services
from portal.notifications.models import NotificationPreference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_caller_sees_only_their_in_app_notifications(client_for):
    # given
    ana, bek = UserFactory(), UserFactory()
    services.notify(recipients=[ana], event="permit.issued", subject_key="KZ-1", payload={"permit": "KZ-1"})
    services.notify(recipients=[bek], event="permit.issued", subject_key="KZ-2", payload={"permit": "KZ-2"})

    # when
    body = client_for(ana).get("/api/v1/notifications/").json()

    # then
    assert body["count"] == 1
    assert body["results"][0]["event"] == "permit.issued"
    assert body["results"][0]["payload"] == {"permit": "KZ-1"}
    assert body["results"][0]["read_at"] is None


def test_reading_a_notification_lowers_the_unread_count(client_for):
    # given
    ana = UserFactory()
    services.notify(recipients=[ana], event="permit.issued", subject_key="KZ-1", payload={})
    client = client_for(ana)
    notification_id = client.get("/api/v1/notifications/").json()["results"][0]["id"]

    # when
    before = client.get("/api/v1/notifications/unread-count/").json()
    read = client.post(f"/api/v1/notifications/{notification_id}/read/")
    after = client.get("/api/v1/notifications/unread-count/").json()

    # then
    assert (before, after) == ({"unread": 1}, {"unread": 0})
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert client.get("/api/v1/notifications/", {"unread": "true"}).json()["count"] == 0


def test_another_users_notification_is_not_found(client_for):
    # given
    ana, bek = UserFactory(), UserFactory()
    services.notify(recipients=[bek], event="permit.issued", subject_key="KZ-2", payload={})
    foreign = bek.notifications.get(channel="in_app").pk

    # when
    response = client_for(ana).post(f"/api/v1/notifications/{foreign}/read/")

    # then
    assert response.status_code == 404
    assert response.json()["code"] == ErrorCode.NOT_FOUND


def test_email_preferences_are_set_per_event(client_for, api_client):
    # given
    ana = UserFactory()
    client = client_for(ana)

    # when
    set_off = client.post("/api/v1/notifications/preferences/", {"event": "permit.issued", "email": False})
    listed = client.get("/api/v1/notifications/preferences/").json()

    # then
    assert set_off.status_code == 200
    assert listed["results"] == [{"event": "permit.issued", "email": False}]
    assert NotificationPreference.objects.get(user=ana).email is False
    assert api_client.get("/api/v1/notifications/").status_code == 401


def test_a_preference_must_say_whether_to_email(client_for):
    # given
    client = client_for(UserFactory())

    # when
    response = client.post("/api/v1/notifications/preferences/", {"event": "permit.issued"}, format="json")

    # then: a 400 naming the field, not a 500
    assert response.status_code == 400
    assert response.json()["fields"]["email"]
    assert not NotificationPreference.objects.exists()
