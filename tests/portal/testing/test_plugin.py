"""The test plugin: services are real, and under PORTAL_REQUIRE_SERVICES=1 nothing skips for want of one."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection

from portal.testing import plugin


def fake_item(marker: str | None):
    return SimpleNamespace(get_closest_marker=lambda name: object() if name == marker else None)


def test_suite_runs_on_postgresql():
    # then
    assert connection.vendor == "postgresql"
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_redis_test_skips_without_redis_url(monkeypatch):
    # given
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("PORTAL_REQUIRE_SERVICES", raising=False)

    # when / then
    with pytest.raises(pytest.skip.Exception, match="needs a real Redis server"):
        plugin.pytest_runtest_setup(fake_item("needs_redis"))


def test_redis_test_fails_instead_of_skipping_when_services_are_required(monkeypatch):
    # given
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("PORTAL_REQUIRE_SERVICES", "1")

    # when / then
    with pytest.raises(pytest.fail.Exception, match="PORTAL_REQUIRE_SERVICES=1"):
        plugin.pytest_runtest_setup(fake_item("needs_redis"))


def test_other_tests_are_left_alone(monkeypatch):
    # given
    monkeypatch.delenv("REDIS_URL", raising=False)

    # when
    result = plugin.pytest_runtest_setup(fake_item(None))

    # then
    assert result is None


@pytest.mark.needs_redis
def test_redis_is_the_broker_and_the_cache_when_given():
    # given
    from django.core.cache import cache

    from portal.health.services import broker_check

    # when
    cache.set("portal-test-key", {"value": 42}, timeout=30)

    # then
    assert os.environ["REDIS_URL"] == settings.CELERY_BROKER_URL
    assert settings.CACHES["default"]["BACKEND"] == "portal.cache.FallbackRedisCache"
    assert cache.get("portal-test-key") == {"value": 42}
    assert not cache.outage.ongoing  # the value came from Redis, not from the fallback
    assert broker_check().ok
