"""Shared fixtures: a clean cache per test (throttles live there), fast password hashing, API clients."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from rest_framework.test import APIClient

from portal.accounts.services import auth_token_issue
from tests.factories import UserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database starts with an empty working-day calendar. The migrations load this year's
    and next year's public holidays (what production needs), but which years those are depends on
    the day the suite runs: each test states the calendar it counts on (`calendar_year_load`, or rows
    of its own), so that it passes on any date."""
    from permits.models import Holiday

    with django_db_blocker.unblock():
        Holiday.objects.all().delete()


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker, tmp_path_factory):
    """Rows committed once and read by every test of a module, removed when the module ends.

    Seeding the demo takes seconds; the modules that only inspect what it made would otherwise pay
    that once per test. Each test still runs in its own transaction that rolls back, so what a test
    changes never reaches the next; at the end the module's rows go the way a transactional test's
    do (a flush), so the next module starts from the empty database every test expects.
    """

    @contextmanager
    def writing():
        media = tmp_path_factory.mktemp("module-media")
        with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHERS):
            yield

    yield writing
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path_factory):
    """Uploads (the demo history's documents among them) never land in the development data folder."""
    settings.MEDIA_ROOT = tmp_path_factory.getbasetemp() / "media"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for():
    """An APIClient authenticated with a real token of `user` (as REST clients authenticate)."""

    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            _, key = auth_token_issue(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def superuser():
    """A superuser for the admin tests (pytest-django's `admin_user` has a fixed name and password)."""
    return UserFactory(username="root-admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    """The Django test client signed in to the admin as `superuser`."""
    client.force_login(superuser)
    return client
