"""Give a development process a PostgreSQL server before Django reads its settings.

Every entry point (manage.py, the WSGI/ASGI apps, the Celery app, `make run`'s devstack and the
benchmarks) calls `ensure_database_url()` first: when neither the environment nor `.env` names a
DATABASE_URL and this is not production, it starts (or attaches to) the embedded server under
PORTAL_DATA_DIR and exports its URL, so that child processes (runserver, Celery) share it. Reading
the settings itself starts nothing; production, which must name its database, never imports
portal.embedded_db. The pytest plugin starts a throwaway server of its own instead.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _read_dotenv() -> None:
    """What settings.py reads from `.env` (never overriding the environment), read earlier."""
    if (BASE_DIR / ".env").is_file():
        import environ

        environ.Env.read_env(BASE_DIR / ".env")


def pgdata() -> Path:
    """Where the embedded server of this checkout keeps its data (settings.DATA_DIR / postgres)."""
    return Path(os.environ.get("PORTAL_DATA_DIR", str(BASE_DIR / ".data"))) / "postgres"


def ensure_database_url() -> Path | None:
    """Start the embedded server if the process has no DATABASE_URL; return its data folder if so."""
    _read_dotenv()
    if os.environ.get("DATABASE_URL") or os.environ.get("DJANGO_ENV") == "production":
        return None
    from portal import embedded_db

    data = pgdata()
    os.environ["DATABASE_URL"] = embedded_db.start(data)
    return data
