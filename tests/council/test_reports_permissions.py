"""Who may do what with reports and goals, over every endpoint of `council/api/reports/`, per caller.

Each (endpoint, caller) cell of `EXPECTED` is its own test: a fresh world, one caller, one real HTTP
request. The world: the national council (chair, secretary, a plain member) with a draft report for
March and a published one for February, a goal on a reported metric and one on a computed metric; a
city council with a member of its own; an entrepreneur (the owner) and another; an official; an API
client bound to the owner's business and one bound to none.

The rules the table encodes: reads are public, but a draft exists only for its council's members
(anyone else: 404 `not_found`, never a 403 that confirms it). Writes need a token (401
`not_authenticated`) and the council's chair or secretary: anyone else who may see the report gets
403 `not_council_member` or `not_council_officer`. A published report is frozen (409
`report_published`); a goal on a computed metric takes no measurement (400 `goal_metric_computed`).
A refused request changes nothing.

The two officials tied to the owner's business (`tests.matrix.tied_officials`: the member official,
a member of it, and the conflicted official, who declared a conflict of interest with it) are plain
officials here: a report and its goals belong to a council, not to any business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django.urls import resolve
from rest_framework.test import APIClient

from council.api.reports import urlpatterns as reports_urlpatterns
from council.errors import CouncilErrorCode
from council.models import AccountabilityReport, CouncilRole, Goal, GoalMeasurement
from council.services.reports import report_create, report_publish
from portal.api.errors import ErrorCode
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests import matrix
from tests.council.reports_factories import GoalFactory, local
from tests.factories import (
    ApiClientFactory,
    CouncilFactory,
    CouncilMemberFactory,
    EntrepreneurFactory,
    OfficialProfileFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/council"
NOW = local(2026, 4, 10, 12)

# Every (route name, method) of council/api/reports/: a coverage test of the whole council API may
# check its union with the other topics' lists against council/api/urls.py.
ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("council-reports", "GET"),
        ("council-reports", "POST"),
        ("council-report-detail", "GET"),
        ("council-report-refresh", "POST"),
        ("council-report-publish", "POST"),
        ("council-report-export", "GET"),
        ("council-goals", "GET"),
        ("council-goals", "POST"),
        ("council-goal-measurements", "POST"),
    }
)

COLUMNS = (
    "anonymous",
    "owner",  # an entrepreneur (reports have no owner: a signed-in outsider)
    "other_entrepreneur",
    "official",
    "member_official",  # an official, a member of the owner's business
    "conflicted_official",  # an official who declared a conflict with the owner's business
    "chair",
    "secretary",
    "member",  # a plain member of the council
    "other_member",  # a member of another council
    "bound_client",  # an API client bound to the owner's business
    "unbound_client",
)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class World:
    council: object
    draft: AccountabilityReport
    published: AccountabilityReport
    reported_goal: Goal
    computed_goal: Goal
    people: dict[str, object]

    def people_role(self, user) -> str:
        return next(name for name, person in self.people.items() if person == user)


def build_world() -> World:
    council = CouncilFactory(name="National Council for Creative Industries")
    people = {
        role: CouncilMemberFactory(council=council, role=role).user
        for role in (CouncilRole.CHAIR, CouncilRole.SECRETARY, CouncilRole.MEMBER)
    }
    secretary = people[CouncilRole.SECRETARY]
    draft = report_create(
        actor=secretary, council=council, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)
    )
    published = report_create(
        actor=secretary, council=council, period_start=dt.date(2026, 2, 1), period_end=dt.date(2026, 2, 28)
    )
    report_publish(actor=secretary, report_id=published.pk, commentary="February in figures.")
    owner = EntrepreneurFactory()
    business = owner.memberships.get().business
    return World(
        council=council,
        draft=draft,
        published=published,
        reported_goal=GoalFactory(council=council, metric="skills_programme_participants"),
        computed_goal=GoalFactory(council=council, metric="permits_issued", target=Decimal("500")),
        people={
            "anonymous": None,
            "owner": owner,
            "other_entrepreneur": EntrepreneurFactory(),
            "official": OfficialProfileFactory().user,
            **matrix.tied_officials(business),
            "chair": people[CouncilRole.CHAIR],
            "secretary": secretary,
            "member": people[CouncilRole.MEMBER],
            "other_member": CouncilMemberFactory(council=CouncilFactory(name="Astana Hub Council")).user,
            "bound_client": ApiClientFactory(business=business).user,
            "unbound_client": ApiClientFactory().user,
        },
    )


@pytest.fixture
def world() -> World:
    return build_world()


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: Callable[[World], str]
    data: Callable[[World], dict] | None = None
    check: Callable[[World, object, object], object] = lambda w, user, response: None


def _report(name: str, action: str = "") -> Callable[[World], str]:
    return lambda w: f"{API}/reports/{getattr(w, name).pk}/{action}"


def _ids(response) -> set[int]:
    return {item["id"] for item in response.json()["results"]}


MEMBERS = ("chair", "secretary", "member")


def check_list(w, user, response):
    expected = {w.published.pk} | ({w.draft.pk} if w.people_role(user) in MEMBERS else set())
    assert _ids(response) == expected


def check_created(w, user, response):
    body = response.json()
    assert (body["status"], body["council"]["id"]) == ("draft", w.council.pk)
    assert AccountabilityReport.objects.get(pk=body["id"]).created_by == user


def check_published(w, user, response):
    assert response.json()["status"] == "published"
    assert AccountabilityReport.objects.get(pk=w.draft.pk).published_by == user


def check_csv(w, user, response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().lstrip("\ufeff").startswith("id,title,metric")


def check_goal(w, user, response):
    assert Goal.objects.get(pk=response.json()["id"]).council == w.council


def check_measured(w, user, response):
    assert GoalMeasurement.objects.get(pk=response.json()["id"]).recorded_by == user


ENDPOINTS: dict[str, Endpoint] = {
    "reports_list": Endpoint("GET", lambda w: f"{API}/reports/", check=check_list),
    "reports_create": Endpoint(
        "POST",
        lambda w: f"{API}/reports/",
        data=lambda w: {"council": w.council.pk, "period_start": "2026-04-01", "period_end": "2026-04-07"},
        check=check_created,
    ),
    "draft_retrieve": Endpoint(
        "GET", _report("draft"), check=lambda w, u, r: r.json()["status"] == "draft" and "metrics" in r.json()
    ),
    "published_retrieve": Endpoint(
        "GET", _report("published"), check=lambda w, u, r: r.json()["commentary"] == "February in figures."
    ),
    "draft_refresh": Endpoint(
        "POST",
        _report("draft", "refresh/"),
        check=lambda w, u, r: (
            AccountabilityReport.objects.get(pk=w.draft.pk).computed_at == NOW + dt.timedelta(minutes=5)
        ),
    ),
    "published_refresh": Endpoint("POST", _report("published", "refresh/")),
    "draft_publish": Endpoint(
        "POST", _report("draft", "publish/"), data=lambda w: {"commentary": "March."}, check=check_published
    ),
    "published_publish": Endpoint(
        "POST", _report("published", "publish/"), data=lambda w: {"commentary": "Again."}
    ),
    "draft_export": Endpoint(
        "GET", lambda w: f"{API}/reports/{w.draft.pk}/export.csv?table=goals", check=check_csv
    ),
    "published_export": Endpoint(
        "GET", lambda w: f"{API}/reports/{w.published.pk}/export.csv?table=goals", check=check_csv
    ),
    "goals_list": Endpoint(
        "GET",
        lambda w: f"{API}/goals/?council={w.council.pk}",
        check=lambda w, u, r: _ids(r) == {w.reported_goal.pk, w.computed_goal.pk},
    ),
    "goals_create": Endpoint(
        "POST",
        lambda w: f"{API}/goals/",
        data=lambda w: {
            "council": w.council.pk,
            "title": "+10 % creative professionals in skills programmes within two years",
            "metric": "skills_programme_participants",
            "baseline": "1200",
            "baseline_date": "2026-01-01",
            "target": "1320",
            "deadline": "2028-01-01",
        },
        check=check_goal,
    ),
    "goal_measurements_create": Endpoint(
        "POST",
        lambda w: f"{API}/goals/{w.reported_goal.pk}/measurements/",
        data=lambda w: {"measured_on": "2026-04-01", "value": "1250", "source": "Skills programme register"},
        check=check_measured,
    ),
    "computed_goal_measurements_create": Endpoint(
        "POST",
        lambda w: f"{API}/goals/{w.computed_goal.pk}/measurements/",
        data=lambda w: {"measured_on": "2026-04-01", "value": "10", "source": "A guess"},
    ),
}

# A 403, 409 or 400 cell names its code: "403m" not_council_member, "403o" not_council_officer,
# "409p" report_published, "400c" goal_metric_computed. A 401 is always `not_authenticated`, a 404
# always `not_found`.
# fmt: off
EXPECTED: dict[str, tuple[int | str, ...]] = {
    #                                     anon owner   other   offic   m_off   c_off   chair   secr    member  o_mbr   bound   unbnd
    "reports_list":                      (200, 200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "reports_create":                    (401, "403m", "403m", "403m", "403m", "403m", 201,    201,    "403o", "403m", "403m", "403m"),
    "draft_retrieve":                    (404, 404,    404,    404,    404,    404,    200,    200,    200,    404,    404,    404),
    "published_retrieve":                (200, 200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "draft_refresh":                     (401, 404,    404,    404,    404,    404,    200,    200,    "403o", 404,    404,    404),
    "published_refresh":                 (401, "403m", "403m", "403m", "403m", "403m", "409p", "409p", "403o", "403m", "403m", "403m"),
    "draft_publish":                     (401, 404,    404,    404,    404,    404,    200,    200,    "403o", 404,    404,    404),
    "published_publish":                 (401, "403m", "403m", "403m", "403m", "403m", "409p", "409p", "403o", "403m", "403m", "403m"),
    "draft_export":                      (404, 404,    404,    404,    404,    404,    200,    200,    200,    404,    404,    404),
    "published_export":                  (200, 200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "goals_list":                        (200, 200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "goals_create":                      (401, "403m", "403m", "403m", "403m", "403m", 201,    201,    "403o", "403m", "403m", "403m"),
    "goal_measurements_create":          (401, "403m", "403m", "403m", "403m", "403m", 201,    201,    "403o", "403m", "403m", "403m"),
    "computed_goal_measurements_create": (401, "403m", "403m", "403m", "403m", "403m", "400c", "400c", "403o", "403m", "403m", "403m"),
}
# fmt: on

ERROR_CODES = {401: ErrorCode.NOT_AUTHENTICATED, 404: ErrorCode.NOT_FOUND}
NAMED_CODES = {
    "m": CouncilErrorCode.NOT_COUNCIL_MEMBER,
    "o": CouncilErrorCode.NOT_COUNCIL_OFFICER,
    "p": CouncilErrorCode.REPORT_PUBLISHED,
    "c": CouncilErrorCode.GOAL_METRIC_COMPUTED,
}


def expectation(cell: int | str) -> tuple[int, str | None]:
    return matrix.expectation(cell, ERROR_CODES, NAMED_CODES)


CELLS = matrix.cells(EXPECTED, COLUMNS)


def _served_routes() -> set[tuple[str, str]]:
    return matrix.served_routes(reports_urlpatterns)


def test_the_matrix_covers_every_route_of_the_reports_api(world):
    # when: the path each endpoint of the matrix calls is resolved
    covered = {(resolve(spec.path(world).split("?")[0]).url_name, spec.method) for spec in ENDPOINTS.values()}

    # then
    assert covered == _served_routes() == ROUTES
    assert set(EXPECTED) == set(ENDPOINTS)
    assert all(len(row) == len(COLUMNS) for row in EXPECTED.values())


def snapshot() -> dict:
    """Everything a refused request must leave untouched."""
    return {
        "reports": list(
            AccountabilityReport.objects.order_by("id").values_list(
                "id", "status", "computed_at", "commentary", "published_at"
            )
        ),
        "goals": list(Goal.objects.order_by("id").values_list("id", flat=True)),
        "measurements": list(GoalMeasurement.objects.order_by("id").values_list("id", flat=True)),
        "notifications": list(Notification.objects.order_by("id").values_list("id", flat=True)),
        "audit": list(AuditEvent.objects.order_by("id").values_list("id", flat=True)),
    }


@pytest.mark.parametrize(("endpoint", "caller", "cell"), CELLS)
def test_permission_matrix(world, client_for, endpoint, caller, cell):
    # given: the world and one caller
    spec = ENDPOINTS[endpoint]
    expected, code = expectation(cell)
    user = world.people[caller]
    client = client_for(user) if user is not None else APIClient()
    before = snapshot()

    # when: a moment later, so that a recomputation shows in computed_at
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        data = spec.data(world) if spec.data else None
        response = getattr(client, spec.method.lower())(spec.path(world), data, format="json")

    # then
    if expected < 400:
        assert response.status_code == expected, response.content[:300]
        assert spec.check(world, user, response) is not False
    else:
        body = response.json()
        assert (response.status_code, body["code"]) == (expected, code), body
        assert snapshot() == before
