"""pytest plugin (loaded with `-p portal.testing.plugin` from pyproject.toml).

Before Django's settings are read, it makes sure the suite has a real PostgreSQL server: the one in
DATABASE_URL when set (CI), otherwise a throwaway embedded server deleted when the run ends. Without
REDIS_URL, the filesystem broker gets a throwaway folder too, so runs never share queues.

With PORTAL_TEST_CLOCK_SHIFT_DAYS=N the whole run, and every Python process it starts, lives N days
in the future (see `shifted_clock/sitecustomize.py`): CI's second pass, which proves that no test
depends on today's date.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_tmp_root: Path | None = None

SHIFTED_CLOCK_DIR = Path(__file__).resolve().parent / "shifted_clock"


def _shift_the_clock() -> None:
    """Move this process's clock, and put the start-up hook on every child's PYTHONPATH."""
    import importlib.util

    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(SHIFTED_CLOCK_DIR) in paths:
        return  # this process started with the hook on its path: its clock moved at start-up
    spec = importlib.util.spec_from_file_location(
        "_portal_shifted_clock", SHIFTED_CLOCK_DIR / "sitecustomize.py"
    )
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    os.environ["PYTHONPATH"] = os.pathsep.join([str(SHIFTED_CLOCK_DIR), *paths])


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    global _tmp_root
    if os.environ.get("PORTAL_TEST_CLOCK_SHIFT_DAYS"):
        _shift_the_clock()
    needs_db = not os.environ.get("DATABASE_URL")
    needs_broker_dir = not os.environ.get("REDIS_URL") and not os.environ.get("PORTAL_BROKER_DIR")
    if not (needs_db or needs_broker_dir):
        return
    # Short path: PostgreSQL's unix socket path must stay under ~100 characters.
    _tmp_root = Path(tempfile.mkdtemp(prefix="portal-test-"))
    if needs_broker_dir:
        os.environ["PORTAL_BROKER_DIR"] = str(_tmp_root / "broker")
    if needs_db:
        from portal import embedded_db

        os.environ["DATABASE_URL"] = embedded_db.start(_tmp_root / "pg", throwaway=True)


def pytest_unconfigure(config):
    if _tmp_root is not None:
        from portal import embedded_db

        embedded_db.stop(_tmp_root / "pg")
        shutil.rmtree(_tmp_root, ignore_errors=True)


def require_services() -> bool:
    """Under PORTAL_REQUIRE_SERVICES=1 (CI) a test may not skip for want of a service."""
    return os.environ.get("PORTAL_REQUIRE_SERVICES") == "1"


def pytest_runtest_setup(item):
    if item.get_closest_marker("needs_redis") and not os.environ.get("REDIS_URL"):
        if require_services():
            pytest.fail("PORTAL_REQUIRE_SERVICES=1 but REDIS_URL is not set: this test needs Redis.")
        pytest.skip("needs a real Redis server: set REDIS_URL")
