"""`python -m bench [NAME...]` (`make bench`): run each `bench/bench_*.py` module's `main()` in turn.

Each `main()` prints its own figures and returns 0 (target met) or 1 (missed or broken). Names given
on the command line pick benchmarks by substring (`python -m bench audit`). Exits non-zero if any
benchmark failed, or if none was found.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback

import bench


def discover(patterns: list[str] | None = None) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    if patterns:
        names = [name for name in names if any(pattern in name for pattern in patterns)]
    return names


def run_one(name: str) -> int:
    try:
        module = importlib.import_module(f"bench.{name}")
        code = module.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except Exception:
        traceback.print_exc()
        code = 1
    return 0 if code == 0 else 1


def main(argv: list[str] | None = None) -> int:
    names = discover(sys.argv[1:] if argv is None else argv)
    if not names:
        print("no benchmark found (bench/bench_*.py)", flush=True)
        return 1
    results: list[tuple[str, int, float]] = []
    for name in names:
        print(f"=== {name} ===", flush=True)
        started = time.perf_counter()
        code = run_one(name)
        results.append((name, code, time.perf_counter() - started))
        print(flush=True)
    print("=== summary ===", flush=True)
    for name, code, seconds in results:
        print(f"  {'ok  ' if code == 0 else 'FAIL'}  {name}  ({seconds:.1f} s)", flush=True)
    failed = [name for name, code, _ in results if code != 0]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
