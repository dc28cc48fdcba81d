"""Error codes are enum members: `ErrorCode` for the shared ones, `PermitErrorCode` and `CouncilErrorCode`
for each domain's. No raise spells a code as a string, no two enums define the same code, and the
schema's `Error.code` lists every one of them."""

import ast
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from council.errors import CouncilErrorCode
from permits.errors import PermitErrorCode
from portal.api.errors import ErrorCode, error_code_enums

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("portal", "permits", "council", "demo")
ENUMS = (ErrorCode, PermitErrorCode, CouncilErrorCode)
# The error classes of portal/api/errors.py; the subclasses the project defines are found below.
ERROR_CLASSES = {
    "DomainError",
    "ValidationFailed",
    "Forbidden",
    "NotFound",
    "Conflict",
    "InvalidState",
    "AccountLocked",
}


def _sources() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """The error classes and every class of the project that derives from one (to any depth)."""
    names = set(ERROR_CLASSES)
    classes = [node for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    grown = True
    while grown:
        grown = False
        for node in classes:
            if node.name not in names and any(_name(base) in names for base in node.bases):
                names.add(node.name)
                grown = True
    return names


def _is_text(node: ast.expr | None) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(node, ast.JoinedStr)


def literal_codes(trees: dict[Path, ast.Module]) -> tuple[list[str], int]:
    """Where an error is raised with `code="..."` or declares `default_code = "..."` (file:line), and
    how many error calls name their code at all (so that the walk is known to see them)."""
    names = _error_classes(trees)
    found, named = [], 0
    for path, tree in trees.items():
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in names:
                for keyword in node.keywords:
                    if keyword.arg == "code":
                        named += 1
                        if _is_text(keyword.value):
                            found.append(f"{where}:{keyword.value.lineno}")
            elif isinstance(node, ast.ClassDef) and node.name in names:
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and any(_name(target) == "default_code" for target in statement.targets)
                        and _is_text(statement.value)
                    ):
                        found.append(f"{where}:{statement.lineno}")
    return found, named


def _parse(paths: list[Path]) -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(), filename=str(path)) for path in paths}


def test_no_error_of_the_project_is_raised_with_a_code_spelt_as_a_string():
    # when
    found, named = literal_codes(_parse(_sources()))

    # then: each raise names an enum member (the walk does see the project's raises)
    assert found == [], "error codes written as strings; use the enum member: " + ", ".join(found)
    assert named > 40


def test_the_check_finds_a_string_code_in_a_raise_and_in_a_subclass(tmp_path):
    # given: a module that raises with a string code, through a subclass of a subclass too
    module = tmp_path / "module.py"
    module.write_text(
        "from portal.api.errors import Forbidden, InvalidState\n"
        "class Locked(InvalidState):\n"
        "    default_code = 'locked'\n"
        "class Sealed(Locked):\n"
        "    pass\n"
        "def f():\n"
        "    raise Forbidden('No.', code='not_yours')\n"
        "def g():\n"
        "    raise Sealed(code=f'sealed_{1}')\n"
        "def h():\n"
        "    return Model.objects.filter(code='not_an_error')\n"
    )

    # when
    found, _named = literal_codes(_parse([module]))

    # then
    assert found == [f"{module}:3", f"{module}:7", f"{module}:9"]


def test_no_two_enums_define_the_same_code():
    # given
    values = [code.value for enum in ENUMS for code in enum]

    # then
    assert len(values) == len(set(values)), sorted({value for value in values if values.count(value) > 1})


def test_the_domain_enums_are_registered_with_portal():
    assert error_code_enums() == ENUMS


@pytest.mark.django_db
def test_the_schema_lists_every_code_of_the_enums_as_error_code():
    # when
    schema = SchemaGenerator().get_schema(request=None, public=True)

    # then
    listed = schema["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
    assert listed == [code.value for enum in ENUMS for code in enum]
    assert ErrorCode.NOT_FOUND in listed
    assert PermitErrorCode.FOUR_EYES in listed
    assert CouncilErrorCode.REPORT_PUBLISHED in listed
