"""/healthz: 200 when the database and the broker answer, 503 naming the one that does not."""

import pytest
import time_machine
from django.utils import timezone

from portal.health.services import heartbeat_record

pytestmark = pytest.mark.django_db


def test_healthy_when_database_and_broker_answer(api_client):
    # when
    response = api_client.get("/healthz")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert body["checks"] == {"database": {"ok": True}, "broker": {"ok": True}}


def test_unavailable_naming_the_broker_when_it_does_not_answer(api_client, settings):
    # given: a broker nobody listens on (a closed local port)
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    # when
    response = api_client.get("/healthz")

    # then
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"]


def test_reports_when_a_worker_last_ran_the_heartbeat(api_client):
    # given
    with time_machine.travel("2026-11-27 10:00:00+05:00", tick=False):
        heartbeat_record(source="beat", worker="celery@test")

    # when
    response = api_client.get("/healthz")

    # then
    seen = response.json()["worker_last_seen"]
    assert timezone.datetime.fromisoformat(seen) == timezone.datetime.fromisoformat(
        "2026-11-27T05:00:00+00:00"
    )


def test_needs_no_credentials_and_ignores_bad_ones(api_client):
    # when
    response = api_client.get("/healthz", HTTP_AUTHORIZATION="Token not-a-real-token")

    # then
    assert response.status_code == 200
