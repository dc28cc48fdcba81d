"""Imports run one way, `portal` <- `permits` <- `council` <- `demo`, and no module imports itself back.

The test reads the source (it imports nothing of the project) with `ast`: every `import` and
`from ... import` of every module of the four apps counts, at module level and inside functions alike,
since an import moved into a function to dodge a circle is still a circle. Migrations and tests are
left out. Two kinds of violation:

- an upward arrow: a module imports one of an app ranked above its own (portal 0, permits 1,
  council 2, demo 3): portal/ must work without the domain apps, permits without the council, and no
  app may need the demo seeds;
- a circle: modules of the project that reach each other through imports (a strongly connected
  component of the module graph, found with Tarjan's algorithm).

The root URLconf and the settings name the apps in strings (`include("permits.api.urls")`,
INSTALLED_APPS): that is wiring, not an import, and is not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RANK = {"portal": 0, "permits": 1, "council": 2, "demo": 3}
SKIPPED_DIRS = {"migrations", "tests", "__pycache__"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files(root: Path) -> dict[str, Path]:
    files = {}
    for app in RANK:
        for path in sorted((root / app).rglob("*.py")):
            if SKIPPED_DIRS.isdisjoint(path.relative_to(root).parts):
                files[module_name(path, root)] = path
    return files


def imported_modules(name: str, path: Path, modules: set[str]) -> set[str]:
    """The project modules that `name` imports, wherever the import statement sits."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: `from . import x`, `from ..models import y`
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from a.b import c` imports the module a.b.c when there is one, else a name of a.b.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names
            ]
        else:
            continue
        for target in targets:
            # `import a.b.c` or a name of a.b.c: the deepest module of the project on that path.
            parts = target.split(".")
            while parts and ".".join(parts) not in modules:
                parts.pop()
            if parts and ".".join(parts) != name:
                found.add(".".join(parts))
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    files = project_files(root)
    modules = set(files)
    return {name: imported_modules(name, path, modules) for name, path in files.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def violations(root: Path = ROOT) -> set[tuple[str, ...]]:
    graph = import_graph(root)
    found: set[tuple[str, ...]] = set()
    for source, targets in graph.items():
        for target in targets:
            if RANK[target.split(".")[0]] > RANK[source.split(".")[0]]:
                found.add(("upward", source, target))
    for component in circles(graph):
        found.add(("cycle", *component))
    return found


def test_the_walker_sees_function_level_and_relative_imports(tmp_path):
    # given: a tiny project whose portal imports permits inside a function, and whose permits
    # modules import each other, one of them relatively
    for relative, text in {
        "portal/__init__.py": "",
        "portal/low.py": "def f():\n    from permits import high\n",
        "permits/__init__.py": "",
        "permits/high.py": "from .other import x\n",
        "permits/other.py": "import permits.high\nx = 1\n",
        "council/__init__.py": "",
        "demo/__init__.py": "",
    }.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)

    # when
    found = violations(tmp_path)

    # then: the hidden upward import and the two-module circle are both caught
    assert found == {("upward", "portal.low", "permits.high"), ("cycle", "permits.high", "permits.other")}


def test_imports_run_one_way_and_never_in_a_circle():
    # given: the project's source

    # when
    found = violations()

    # then
    assert not found, "imports against the layering (portal <- permits <- council <- demo):\n" + "\n".join(
        " ".join(v) for v in sorted(found)
    )


def test_the_apps_above_portal_register_what_portal_may_not_import():
    # given: the project loaded (its AppConfig.ready hooks have run)
    from portal.accounts import selectors
    from portal.health import services as health

    # then: the council grants the council_member role, the permit side the calendar warning
    assert set(selectors._role_sources) == {selectors.Role.COUNCIL_MEMBER}
    assert health.warning_names() == ["calendar"]


def test_a_role_me_does_not_know_how_to_order_is_refused():
    # given
    from portal.accounts.selectors import role_source_register

    # when / then: me/ lists roles in a fixed order, so a new role must take its place there first
    with pytest.raises(ValueError, match="unknown role"):
        role_source_register(role="auditor", holds=lambda user_ref: None)
