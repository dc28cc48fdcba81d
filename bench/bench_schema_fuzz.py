"""Schemathesis over the whole OpenAPI schema: zero 5xx responses and zero schema violations.

The schema the portal serves at `/api/schema/` is loaded through the WSGI application, in-process,
and every operation in it is sent the requests schemathesis derives from it: its coverage cases
(boundary values, each parameter missing or of a wrong type, malformed or unsupported content types,
with no random draw), then BENCH_SCHEMA_EXAMPLES generated requests of valid input (positive mode)
and as many of input that breaks the schema (negative mode), with Hypothesis derandomized so that
every run generates the same ones. The whole schema is fuzzed once per caller:

- anonymously (no credentials);
- as the demo entrepreneur `aigerim` (a knox token);
- as the demo official `mci-senior1` (a knox token; high clearance at the Ministry of Culture).

Identifiers drawn at random almost always name nothing (a 404), so before each caller's pass the
benchmark makes a few fresh objects through the services, for `aigerim`'s business: a notification
submitted (approved at once, with its permit), a medium-risk application submitted (in review at
the Ministry of Culture), a draft with a document, and a bundle. Every operation whose path names
an application, a document, a bundle, a notification or a permit is then fuzzed a second time with
those identifiers in its path (the rest of the request generated as above).

Each response goes through schemathesis's checks:

- `not_a_server_error`: no 5xx;
- `status_code_conformance`: the status is one the operation documents;
- `content_type_conformance` and `response_schema_conformance`: the body is what the schema says.

Target (DESIGN §9): zero 5xx responses and zero schema violations. Each distinct failure is listed
with its operation, check, callers and a reproduction (the request as sent, the response, and for a
5xx the server's exception); the failures under `/api/v1/council/` are listed apart, and count the
same.

Runs in the `portal_bench` database (see bench/common.py). The demo data is seeded first (the same
as `manage.py seed_demo`, idempotent). The throttles are raised for the run: the fuzzer measures the
API, not the limiter. What the fuzzer and the fixtures create (drafts, permits, messages, webhooks,
tokens, audit events) stays in `portal_bench`.
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.common import say, setup_django

SCHEMA_PATH = "/api/schema/"
COUNCIL_PREFIX = "/api/v1/council/"
CALLERS = [None, "aigerim", "mci-senior1"]
ENTREPRENEUR_BIN = "900614500128"  # aigerim's business in the demo data
CHECK_NAMES = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]
UNTHROTTLED = "100000000/minute"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Failure:
    operation: str
    check: str
    title: str
    status: int
    request: str
    response: str
    exception: str = ""
    callers: list[str] = field(default_factory=list)

    @property
    def is_council(self) -> bool:
        return self.operation.split(" ", 1)[-1].startswith(COUNCIL_PREFIX)


@dataclass
class Tally:
    operations: int = 0
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    server_errors: int = 0
    violations: int = 0
    failures: dict[tuple[str, str, str], Failure] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class ServerErrorLog(logging.Handler):
    """Keeps the last unhandled exception the API logged (ApiErrorMiddleware, django.request)."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.last = ""

    def emit(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            frames = logging.Formatter().formatException(record.exc_info).strip().splitlines()
            where = [line.strip() for line in frames if line.strip().startswith("File ")]
            self.last = f"{type(exc).__name__}: {exc}" + (f" at {where[-1]}" if where else "")
        else:
            self.last = record.getMessage()


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _request_line(response) -> str:
    request = response.request
    line = f"{request.method} {request.url}"
    body = request.body
    if body:
        if isinstance(body, bytes):
            body = body.decode("utf-8", "backslashreplace")
        line += f" [{request.headers.get('Content-Type', '')}] {_short(str(body), 400)}"
    return line


# --- what the fuzzer runs on ----------------------------------------------------------------------


def seed() -> None:
    from demo.seed import seed_demo

    say("seeding the demo data (idempotent)...")
    created = seed_demo(out=lambda line: None)
    say(f"  {created} demo objects created" if created else "  demo data already present")


def build_world() -> dict[str, list]:
    """Fresh objects of aigerim's business, for the path parameters of the second pass."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from permits.models import LicenceType
    from permits.services.applications import application_create, application_submit
    from permits.services.bundles import bundle_create
    from permits.services.documents import application_document_attach
    from portal.accounts.models import Business, User

    user = User.objects.get(username="aigerim")
    business = Business.objects.get(bin=ENTREPRENEUR_BIN)
    documents = []

    def draft(code: str, answers: dict, requirements: list[str]):
        licence_type = LicenceType.objects.get(code=code)
        application = application_create(
            actor=user, business=business, licence_type=licence_type, answers=answers
        )
        for requirement in requirements:
            upload = SimpleUploadedFile(f"{requirement}.pdf", PDF, content_type="application/pdf")
            documents.append(
                application_document_attach(
                    actor=user, application_id=application.pk, requirement_code=requirement, upload=upload
                ).pk
            )
        return application

    title = {"project_title": "Steppe Lights"}
    notified = draft(
        "concert-notification",
        {**title, "expected_attendance": 120, "venue_type": "indoor"},
        ["registration-certificate"],
    )
    notified = application_submit(actor=user, application_id=notified.pk)  # low risk: a permit at once
    reviewed = draft(
        "film-distribution-certificate",
        {**title, "broadcast_reach": "regional"},
        ["registration-certificate", "film-rights"],
    )
    reviewed = application_submit(actor=user, application_id=reviewed.pk)  # medium risk: in review
    kept = draft("media-registration", {**title, "broadcast_reach": "local"}, ["registration-certificate"])
    bundle = bundle_create(
        actor=user,
        business=business,
        licence_type_codes=["concert-notification", "media-registration"],
        answers={**title, "expected_attendance": 80, "venue_type": "outdoor", "broadcast_reach": "local"},
    )
    return {
        "applications": [notified.pk, reviewed.pk, kept.pk],
        "documents": documents,
        "bundles": [bundle.pk],
        "permits": [notified.permit.number],
    }


def known_path_values(operation, world: dict[str, list], notifications: list[int]) -> list[dict]:
    """The combinations of known identifiers for the operation's path parameters ([] if none fits)."""
    path = operation.path
    names = [parameter.name for parameter in operation.path_parameters]
    if not names:
        return []
    if path.startswith("/api/v1/applications/{id}"):
        pools = {"id": world["applications"], "document_id": world["documents"]}
    elif path.startswith("/api/v1/bundles/{id}"):
        pools = {"id": world["bundles"]}
    elif path.startswith("/api/v1/notifications/{id}"):
        pools = {"id": notifications}
    elif path.startswith(("/api/v1/permits/{number}", "/api/v1/public/permits/{number}")):
        pools = {"number": world["permits"]}
    else:
        return []
    if any(not pools.get(name) for name in names):
        return []
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(pools[n] for n in names))]


def caller_setup(username: str | None) -> tuple[str | None, list[int]]:
    """A fresh token for `username` (None: anonymous), and the ids of their in-app notifications."""
    if username is None:
        return None, []
    from portal.accounts.models import User
    from portal.accounts.services import auth_token_issue
    from portal.notifications.models import Channel, Notification

    user = User.objects.get(username=username)
    _, key = auth_token_issue(user=user)
    notifications = list(
        Notification.objects.filter(recipient=user, channel=Channel.IN_APP)
        .order_by("-id")
        .values_list("id", flat=True)[:3]
    )
    return key, notifications


def load_schema():
    import schemathesis
    from django.core.wsgi import get_wsgi_application

    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: (op.path, op.method))
    return operations


# --- the fuzzing ----------------------------------------------------------------------------------


def _check_name(failure) -> str:
    from schemathesis.core.failures import ServerError

    if isinstance(failure, ServerError):
        return "not_a_server_error"
    return {
        "UndefinedStatusCode": "status_code_conformance",
        "JsonSchemaError": "response_schema_conformance",
        "MalformedJson": "response_schema_conformance",
        "MissingContentType": "content_type_conformance",
        "UndefinedContentType": "content_type_conformance",
        "MalformedMediaType": "content_type_conformance",
    }.get(type(failure).__name__, type(failure).__name__)


class Fuzzer:
    def __init__(self, examples: int, tally: Tally, log: ServerErrorLog):
        from schemathesis.checks import CHECKS

        self.examples = examples
        self.tally = tally
        self.log = log
        self.checks = [CHECKS.get_one(name) for name in CHECK_NAMES]

    def record(self, caller, operation, check, title, *, status, request, response="", exception=""):
        key = (operation.label, check, title.splitlines()[0])
        failure = self.tally.failures.get(key)
        if failure is None:
            failure = self.tally.failures[key] = Failure(
                operation=operation.label,
                check=check,
                title=_short(title, 400),
                status=status,
                request=request,
                response=_short(response, 400),
                exception=exception,
            )
        if caller not in failure.callers:
            failure.callers.append(caller)

    def send(self, case, caller: str, headers: dict | None) -> None:
        from schemathesis.core.failures import FailureGroup

        tally = self.tally
        self.log.last = ""
        tally.requests += 1
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # raised through the WSGI stack instead of answering
            tally.server_errors += 1
            self.record(
                caller, case.operation, "not_a_server_error", f"raised {type(exc).__name__}",
                status=0, request=case.as_curl_command(headers=headers), exception=f"{type(exc).__name__}: {exc}",
            )  # fmt: skip
            return
        tally.statuses[response.status_code] += 1
        if response.status_code >= 500:
            tally.server_errors += 1
        try:
            case.validate_response(response, checks=self.checks, headers=headers)
        except FailureGroup as group:
            body = response.content.decode("utf-8", "backslashreplace") if response.content else ""
            for failure in group.exceptions:
                check = _check_name(failure)
                if check == "status_code_conformance" and response.status_code >= 500:
                    continue  # a 5xx is counted once, as a server error
                if check != "not_a_server_error":
                    tally.violations += 1
                title = failure.title + (f": {failure.message}" if failure.message else "")
                self.record(
                    caller, case.operation, check, title, status=response.status_code,
                    request=_request_line(response), response=body,
                    exception=self.log.last if response.status_code >= 500 else "",
                )  # fmt: skip

    def coverage(self, operation, *, caller: str, headers: dict | None, path_values: list[dict]) -> None:
        """Schemathesis's coverage cases: boundary values, each parameter missing, of a wrong type, out of
        range... (deterministic, with no random draw). With known identifiers, each case whose path is
        not the broken part is sent a second time with them in its path."""
        from schemathesis import GenerationMode
        from schemathesis.core.parameters import ParameterLocation

        schema = operation.schema
        known = itertools.cycle(path_values) if path_values else None
        cases = schema.iter_coverage_cases(
            operation,
            generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=schema.config.generation_for(operation=operation),
        )
        for case in cases:
            self.send(case, caller, headers)
            if known is not None and not (case.meta and case.meta.is_negative_at(ParameterLocation.PATH)):
                derived = case.derive()
                derived.path_parameters.update(next(known))
                self.send(derived, caller, headers)

    def run(self, operation, *, caller: str, headers: dict | None, path_values: list[dict]) -> None:
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import strategies as st
        from hypothesis.errors import Unsatisfiable
        from schemathesis import GenerationMode

        passes = [(mode, None) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        if path_values:
            passes += [(mode, path_values) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        for mode, values in passes:
            if values is None:
                strategy = operation.as_strategy(generation_mode=mode)
            else:
                strategy = st.sampled_from(values).flatmap(
                    lambda fixed, mode=mode: operation.as_strategy(
                        generation_mode=mode, path_parameters=fixed
                    )
                )

            @settings(
                max_examples=self.examples,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                print_blob=False,
            )
            @given(case=strategy)
            def fuzz(case):
                self.send(case, caller, headers)

            try:
                fuzz()
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    self.tally.errors.append(
                        f"[{caller}] {operation.label}: no valid request can be generated"
                    )
                # negative: the operation takes no input that could be broken
            except Exception as exc:
                self.tally.errors.append(
                    f"[{caller}] {operation.label} ({mode.value}): {type(exc).__name__}: {exc}"
                )


# --- the report -----------------------------------------------------------------------------------


def report(tally: Tally) -> None:
    failures = list(tally.failures.values())
    for title, group in (
        ("portal", [f for f in failures if not f.is_council]),
        ("council (/api/v1/council/)", [f for f in failures if f.is_council]),
    ):
        if not group:
            continue
        say(f"failures, {title}: {len(group)} distinct")
        for f in group:
            say(f"  {f.operation}: {f.check} (status {f.status}; as {', '.join(f.callers)})")
            say(f"      {f.title}")
            say(f"      request:  {f.request}")
            if f.response:
                say(f"      response: {f.response}")
            if f.exception:
                say(f"      server:   {f.exception}")
    for line in tally.errors:
        say(f"not fuzzed: {line}")


def main() -> int:
    for scope in ("ANON", "USER", "LOGIN", "VERIFY"):
        os.environ.setdefault(f"THROTTLE_{scope}", UNTHROTTLED)  # measure the API, not the limiter
    examples = int(os.environ.get("BENCH_SCHEMA_EXAMPLES", "20"))
    setup_django()
    seed()

    log = ServerErrorLog()
    loggers = [logging.getLogger(name) for name in ("portal.api", "django.request")]
    saved = [(logger, logger.propagate, logger.handlers[:]) for logger in loggers]
    for logger in loggers:  # the exceptions go into the report, not over the progress lines
        logger.handlers = [log]
        logger.propagate = False

    tally = Tally()
    started = time.perf_counter()
    try:
        say(f"loading the schema from {SCHEMA_PATH} through the WSGI application...")
        operations = load_schema()
        say(f"  {len(operations)} operations; {examples} examples per operation, mode and caller")
        fuzzer = Fuzzer(examples, tally, log)
        total = len(operations) * len(CALLERS)
        for caller in CALLERS:
            label = caller or "anonymous"
            world = build_world()
            say(
                f"as {label}: fresh applications {world['applications']}, bundle {world['bundles']}, "
                f"permit {world['permits']}"
            )
            for operation in operations:
                # A fresh token per operation: logging out (which the fuzzer does) revokes the one in use.
                key, notifications = caller_setup(caller)
                headers = {"Authorization": f"Token {key}"} if key else None
                values = known_path_values(operation, world, notifications)
                fuzzer.coverage(operation, caller=label, headers=headers, path_values=values)
                fuzzer.run(operation, caller=label, headers=headers, path_values=values)
                tally.operations += 1
                if tally.operations % 10 == 0 or tally.operations == total:
                    say(
                        f"  {tally.operations}/{total} operations, {tally.requests} requests, "
                        f"{tally.server_errors} 5xx, {tally.violations} violations "
                        f"({time.perf_counter() - started:.0f} s)"
                    )
    finally:
        for logger, propagate, handlers in saved:
            logger.handlers = handlers
            logger.propagate = propagate

    report(tally)
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(tally.statuses.items()))
    council = sum(1 for f in tally.failures.values() if f.is_council)
    say(
        f"operations tested: {tally.operations} ({tally.operations // len(CALLERS)} x {len(CALLERS)} callers)"
    )
    say(f"requests made: {tally.requests} ({statuses})")
    say(f"5xx responses: {tally.server_errors} (target 0)")
    say(f"schema violations: {tally.violations} (target 0)")
    say(f"distinct failures: {len(tally.failures)}, of which under {COUNCIL_PREFIX}: {council}")
    say(f"elapsed: {time.perf_counter() - started:.0f} s")
    ok = tally.server_errors == 0 and tally.violations == 0 and not tally.errors
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
