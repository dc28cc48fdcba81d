"""Production settings refuse development-only values and pass `check --deploy` with proper ones."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]


def proper_production_env() -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="permits.example.kz",
        DATABASE_URL="postgres://portal:Zq8-long-production-secret@db.internal:5432/portal",
        REDIS_URL="redis://redis.internal:6379/0",
        EMAIL_URL="smtp+tls://mailer:Mail-secret-42@smtp.example.kz:587",
    )
    env.pop("DEBUG", None)
    return env


def deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_proper_production_settings_pass_check_deploy_with_zero_warnings():
    # when
    result = deploy_check(proper_production_env())

    # then
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"SECRET_KEY": settings.DEV_SECRET_KEY}, "SECRET_KEY is the development key"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is the development key or too weak"),
        ({"DEBUG": "1"}, "DEBUG must be off"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must name the hosts"),
        (
            {"DATABASE_URL": "postgres://portal:portal@db:5432/portal"},
            "DATABASE_URL uses a demo/development password",
        ),
        (
            {"DATABASE_URL": "postgres://portal:portal-demo@db/portal"},
            "DATABASE_URL uses a demo/development password",
        ),
        ({"DATABASE_URL": ""}, "DATABASE_URL is required in production"),
        ({"REDIS_URL": ""}, "Production needs a real broker"),
        ({"DJANGO_ENV": "staging"}, "DJANGO_ENV must be 'development' or 'production'"),
        ({"SECRET_KEY": "abcde" * 10}, "SECRET_KEY is the development key or too weak (its characters carry"),
        ({"SECRET_KEY": "a" * 64}, "SECRET_KEY is the development key or too weak (its characters carry"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS must not hold '*'"),
        ({"ALLOWED_HOSTS": "permits.example.kz,*"}, "ALLOWED_HOSTS must not hold '*'"),
        ({"ALLOWED_HOSTS": "*.example.kz"}, "ALLOWED_HOSTS must not hold '*'"),
    ],
)
def test_production_refuses_to_start_with_development_values(change, complaint):
    # given
    env = proper_production_env()
    env.update(change)

    # when
    result = deploy_check(env)

    # then
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


def test_time_zone_and_languages():
    # then
    assert settings.TIME_ZONE == "Asia/Almaty"
    assert settings.USE_TZ is True
    assert [code for code, _ in settings.LANGUAGES] == ["en", "ru", "kk"]


def test_database_is_postgresql_with_a_pool():
    # then
    db = settings.DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["CONN_MAX_AGE"] == 0
    assert db["OPTIONS"]["pool"]["max_size"] >= 20


def test_reading_the_settings_without_a_database_url_starts_no_server(tmp_path):
    # given: a development process with no DATABASE_URL, whose data folder is empty
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_ENV"}}
    env["PORTAL_DATA_DIR"] = str(tmp_path)

    # when: the settings are imported directly, not through an entry point
    result = subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    # then: they refuse, naming the entry points, and no PostgreSQL cluster was created
    assert result.returncode != 0
    assert "DATABASE_URL is not set: start through manage.py" in result.stderr
    assert not (tmp_path / "postgres").exists()
