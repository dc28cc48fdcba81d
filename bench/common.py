"""What every benchmark shares: progress output, and a scratch database beside the configured one."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

BENCH_DATABASE = "portal_bench"


def say(message: str) -> None:
    print(message, flush=True)


# --- the scratch database ------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _ensure_database(db: dict) -> None:
    """CREATE DATABASE portal_bench on the server of `db` (a settings.DATABASES entry) if missing."""
    import psycopg
    from psycopg import sql

    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "autocommit": True,
    }
    params = {key: value for key, value in params.items() if value is not None}
    last_error: Exception | None = None
    # The maintenance database first; the configured one if the role may not connect there.
    for dbname in dict.fromkeys(["postgres", db["NAME"]]):
        try:
            with psycopg.connect(dbname=dbname, connect_timeout=10, **params) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]
                ).fetchone()
                if exists:
                    say(f"using database {BENCH_DATABASE}")
                else:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DATABASE)))
                    say(f"created database {BENCH_DATABASE}")
                return
        except psycopg.OperationalError as exc:
            last_error = exc
    raise RuntimeError(f"cannot reach the database server to create {BENCH_DATABASE}: {last_error}")


def setup_django() -> None:
    """Point Django at portal_bench (creating and migrating it), then django.setup()."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django
    from django.apps import apps
    from django.conf import settings

    if apps.ready:  # another benchmark of this run already did it
        if settings.DATABASES["default"]["NAME"] != BENCH_DATABASE:
            raise RuntimeError(f"Django is already set up on {settings.DATABASES['default']['NAME']!r}")
        return

    say("reading settings (starts the embedded PostgreSQL when DATABASE_URL is unset)...")
    from portal.dev_database import ensure_database_url

    ensure_database_url()
    db = settings.DATABASES["default"]
    if db["NAME"] != BENCH_DATABASE:
        say(f"configured database: {db['NAME']!r}; the benchmark uses {BENCH_DATABASE!r} beside it")
        _ensure_database(db)
        # DATABASE_URL holds the server's URL now (given, .env or embedded).
        os.environ["DATABASE_URL"] = _with_database(os.environ["DATABASE_URL"], BENCH_DATABASE)
        db["NAME"] = BENCH_DATABASE  # the settings were read already: point them there too
    django.setup()

    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (current,) = cursor.fetchone()
    if current != BENCH_DATABASE:  # never append to anybody's real audit trail
        raise RuntimeError(f"refusing to run: connected to {current!r}, not {BENCH_DATABASE!r}")
    say(f"migrating {BENCH_DATABASE}...")
    call_command("migrate", interactive=False, verbosity=0)
    say("migrated")
