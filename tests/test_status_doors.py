"""Every status field changes only through its door.

The status fields are found, not listed: every field of every project model named `status` or
ending in `_status`, plus `Application.post_check_pending`, the application's mirror of its
permit's pending check. The project's Python code (permits/, council/, portal/, demo/; migrations and
tests aside) is parsed, and any write of one of those names outside the door modules fails the
test with file:line: an attribute assignment (`x.status = ...`), a keyword in `.update()`,
`.create()`, `.get_or_create()`, `.update_or_create()` (and their `defaults=`), a keyword in a
model's constructor, `setattr(x, "status", ...)`, a name in `bulk_update(...)` or in
`save(update_fields=...)`.

Creation is a door too. A service creates a row with no status at all: the row starts in the
model's default, and the test below checks that default is the door's `initial` state. Where the
initial state is a choice (a permit is issued drawn for a post-issue check or not), the door hands
the service the fields (`permits.workflow.post_check_initial`), so no status literal is written
outside it.

The notification outbox's delivery states (pending, sending, sent, ...) are claimed and settled
with compare-and-swap updates by `portal/notifications/services.py`, which is that field's door.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

from council import workflow as council_workflow
from council.models import AccountabilityReport, Concern, ConcernStatus, Consultation
from permits import catalogue_workflow
from permits import workflow as permits_workflow
from permits.models import Application, Permit, RiskRuleSet
from portal.workflow import Transitions
from tests.council.concerns_factories import ConcernFactory

ROOT = Path(__file__).resolve().parent.parent
# demo/ once the demo modules live there: it seeds through the services too.
SCANNED = ("permits", "council", "portal", "demo")

# Each status field and the module that is its door.
DOORS: dict[tuple[str, str], str] = {
    ("permits.Application", "status"): "permits/workflow.py",
    ("permits.Application", "post_check_pending"): "permits/workflow.py",
    ("permits.Permit", "status"): "permits/workflow.py",
    ("permits.Permit", "post_check_status"): "permits/workflow.py",
    ("permits.RiskRuleSet", "status"): "permits/catalogue_workflow.py",
    ("council.Consultation", "status"): "council/workflow.py",
    ("council.Concern", "status"): "council/workflow.py",
    ("council.AccountabilityReport", "status"): "council/workflow.py",
    ("notifications.Notification", "status"): "portal/notifications/services.py",
}
# The shared mechanism assigns whichever field its table names.
MECHANISM = "portal/workflow.py"

WRITING_METHODS = {"update", "create", "get_or_create", "update_or_create"}


def _project_models():
    for model in apps.get_models():
        if Path(model._meta.app_config.path).resolve().is_relative_to(ROOT):
            yield model


def status_fields() -> set[tuple[str, str]]:
    found = {
        (model._meta.label, field.name)
        for model in _project_models()
        for field in model._meta.get_fields()
        if getattr(field, "concrete", False) and (field.name == "status" or field.name.endswith("_status"))
    }
    return found | {("permits.Application", "post_check_pending")}


def _strings(node: ast.AST) -> set[str]:
    return {
        child.value
        for child in ast.walk(node)
        if isinstance(child, ast.Constant) and isinstance(child.value, str)
    }


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def status_writes(source: str, fields: set[str], model_names: set[str]) -> list[tuple[int, str]]:
    """(line, what) for every write of one of `fields` in `source`."""
    writes = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(element, ast.Attribute) and element.attr in fields:
                        writes.append((node.lineno, f".{element.attr} ="))
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if name in WRITING_METHODS or name in model_names:
            for keyword in node.keywords:
                if keyword.arg in fields:
                    writes.append((node.lineno, f"{name}({keyword.arg}=...)"))
                elif keyword.arg in (None, "defaults", "create_defaults") and isinstance(
                    keyword.value, ast.Dict
                ):
                    for key in keyword.value.keys:
                        if isinstance(key, ast.Constant) and key.value in fields:
                            writes.append((node.lineno, f"{name}({key.value!r}: ...)"))
        named = node.args[1] if name == "setattr" and len(node.args) >= 2 else None
        if isinstance(named, ast.Constant) and named.value in fields:
            writes.append((node.lineno, f"setattr(..., {node.args[1].value!r})"))
        if name == "bulk_update":
            for argument in [*node.args[1:], *(k.value for k in node.keywords if k.arg == "fields")]:
                for value in _strings(argument) & fields:
                    writes.append((node.lineno, f"bulk_update(..., {value!r})"))
        if name == "save":
            for keyword in node.keywords:
                if keyword.arg == "update_fields":
                    for value in _strings(keyword.value) & fields:
                        writes.append((node.lineno, f"save(update_fields=[{value!r}])"))
    return writes


def _scanned_files():
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or "tests" in relative.parts:
                continue
            yield relative


def test_every_status_field_has_a_door():
    # given
    found = status_fields()

    # when
    without_door = found - set(DOORS)

    # then: a new status field needs its door (and a line in DOORS)
    assert without_door == set()
    assert set(DOORS) - found == set(), "DOORS names a field that no longer exists"


def test_no_status_is_written_outside_its_door():
    # given
    fields = {name for _, name in status_fields()}
    model_names = {label.split(".")[1] for label, _ in status_fields()}
    doors = {*DOORS.values(), MECHANISM}

    # when
    outside = [
        f"{path}:{line}: {what}"
        for path in _scanned_files()
        if str(path) not in doors
        for line, what in status_writes((ROOT / path).read_text(), fields, model_names)
    ]

    # then
    assert outside == []


@pytest.mark.parametrize(
    "source",
    [
        "concern.status = ConcernStatus.ANSWERED",
        "permit.post_check_status = PostCheckStatus.PASSED",
        "application.post_check_pending = False",
        "Application.objects.filter(pk=1).update(post_check_pending=False, next_sla_at=None)",
        "Application.objects.filter(pk=1).update(status='approved')",
        "Concern.objects.create(subject='s', status=ConcernStatus.OPEN)",
        "Concern(subject='s', status='open')",
        "Report.objects.update_or_create(pk=1, defaults={'status': 'published'})",
        "setattr(report, 'status', 'published')",
        "Permit.objects.bulk_update(permits, ['status'])",
        "rule_set.save(update_fields=['status', 'published_at'])",
        "a.version, a.status = 2, 'approved'",
    ],
)
def test_the_scan_catches_each_kind_of_write(source):
    # given
    fields = {"status", "post_check_status", "post_check_pending"}

    # when
    writes = status_writes(source, fields, {"Concern", "Permit"})

    # then
    assert [line for line, _ in writes] == [1]


def test_the_scan_leaves_reads_alone():
    # given: filters, comparisons and HTTP statuses are not writes
    source = (
        "Concern.objects.filter(status='open').count()\n"
        "if permit.post_check_status == 'pending': pass\n"
        "Response(body, status=201)\n"
        "status = request.GET.get('status')\n"
    )

    # when / then
    assert status_writes(source, {"status", "post_check_status"}, {"Concern"}) == []


@pytest.mark.parametrize(
    ("model", "initial"),
    [
        (Application, permits_workflow.APPLICATIONS.initial),
        (Permit, permits_workflow.PERMITS.initial),
        (Consultation, council_workflow.CONSULTATIONS.initial),
        (Concern, council_workflow.CONCERNS.initial),
        (AccountabilityReport, council_workflow.REPORTS.initial),
        (RiskRuleSet, catalogue_workflow.RULE_SETS.initial),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_a_row_is_created_in_its_doors_initial_state(model, initial):
    # given / when
    default = model._meta.get_field("status").default

    # then
    assert default == initial


def test_a_permit_is_issued_in_one_of_the_post_checks_initial_states():
    # given / when
    default = Permit._meta.get_field("post_check_status").default

    # then
    assert default in permits_workflow.POST_CHECKS.initial
    assert {
        permits_workflow.post_check_initial(sampled=sampled, due_at=None)["post_check_status"]
        for sampled in (True, False)
    } == set(permits_workflow.POST_CHECKS.initial)


def test_a_table_naming_an_unknown_state_is_refused_when_it_is_built():
    # given / when / then: a typo in a table fails at import, not on the first move
    with pytest.raises(ValueError, match="unknown states"):
        Transitions(prefix="council", choices=ConcernStatus, moves={("open", "closed"): "x"}, initial="open")


@pytest.mark.django_db(transaction=True)
def test_a_move_outside_a_transaction_is_a_programming_error():
    # given
    concern = ConcernFactory()

    # when / then: the door needs the caller's lock, so it refuses to run outside its transaction
    with pytest.raises(RuntimeError):
        council_workflow.CONCERNS.move(
            concern, ConcernStatus.ANSWERED, actor=None, by=council_workflow.By.MEMBER
        )
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.OPEN
