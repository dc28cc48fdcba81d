"""Every paginated list of the API reads a page of 12 rows in as many queries as a page of 2.

The table holds, for each list route, who asks and how to make rows they see; a new list without a
row here fails `test_every_list_route_is_in_the_table`. A count that grows with the page is an N+1 in
its selector (fix it there with select_related / prefetch_related).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from council.services.reports import report_create
from permits.services.applications import message_post
from permits.services.documents import application_document_attach
from permits.services.review import conflict_declare, note_add
from portal.notifications.events import Event
from portal.notifications.services import notify
from portal.notifications.webhooks import subscription_create
from tests.council.concerns_factories import NationalCouncilFactory, raised
from tests.council.consultations_factories import ConsultationFactory, comment_on, officer_of
from tests.council.reports_factories import GoalFactory, GoalMeasurementFactory
from tests.factories import (
    ActivityCategoryFactory,
    ApiClientFactory,
    AuthorityFactory,
    BusinessFactory,
    CouncilFactory,
    CouncilMemberFactory,
    EntrepreneurFactory,
    OfficialProfileFactory,
    UserFactory,
)
from tests.permits.factories import (
    ApplicationFactory,
    DocumentRequirementFactory,
    LicenceTypeFactory,
    pdf_upload,
    submit,
)

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.datetime(2026, 9, 16, 10, 30, tzinfo=ZoneInfo("Asia/Almaty"))


@dataclass
class World:
    """Who asks, where, and how to add `n` more rows that they see there."""

    caller: object
    path: str
    add: object
    client: object = None


def _applications():
    owner = EntrepreneurFactory()
    OfficialProfileFactory(authority=AuthorityFactory(code="qc-culture"))
    low = LicenceTypeFactory(low=True)
    medium = LicenceTypeFactory(authority=low.authority)

    def add(n):
        for i in range(n):
            submit(low if i % 2 else medium, owner)

    return World(owner, "/api/v1/applications/", add)


def _permits():
    owner = EntrepreneurFactory()
    low = LicenceTypeFactory(low=True)
    return World(owner, "/api/v1/permits/", lambda n: [submit(low, owner) for _ in range(n)])


def _documents():
    owner = EntrepreneurFactory()
    requirements = [DocumentRequirementFactory() for _ in range(12)]
    application = ApplicationFactory(
        business=owner.memberships.get().business, licence_type=LicenceTypeFactory(documents=requirements)
    )
    pending = iter(requirements)

    def add(n):
        for _ in range(n):
            application_document_attach(
                actor=owner,
                application_id=application.pk,
                requirement_code=next(pending).code,
                upload=pdf_upload(),
            )

    return World(owner, f"/api/v1/applications/{application.pk}/documents/", add)


def _in_review():
    licence_type = LicenceTypeFactory()
    official = OfficialProfileFactory(authority=licence_type.authority).user
    return ApplicationFactory(licence_type=licence_type, in_review=True), official


def _messages():
    application, _ = _in_review()
    owner = application.created_by

    def add(n):
        for i in range(n):
            message_post(actor=owner, application_id=application.pk, body=f"Question {i}.")

    return World(owner, f"/api/v1/applications/{application.pk}/messages/", add)


def _notes():
    application, official = _in_review()

    def add(n):
        for i in range(n):
            note_add(actor=official, application=application, body=f"Note {i}.")

    return World(official, f"/api/v1/applications/{application.pk}/notes/", add)


def _queue():
    licence_type = LicenceTypeFactory()
    official = OfficialProfileFactory(authority=licence_type.authority).user
    return World(official, "/api/v1/review/queue/", lambda n: [submit(licence_type) for _ in range(n)])


def _conflicts():
    official = OfficialProfileFactory().user

    def add(n):
        for _ in range(n):
            conflict_declare(
                actor=official, official=official, business=BusinessFactory(), reason="A cousin."
            )

    return World(official, "/api/v1/review/conflicts/", add)


def _activities():
    return World(None, "/api/v1/catalogue/activities/", lambda n: ActivityCategoryFactory.create_batch(n))


def _licence_types():
    return World(None, "/api/v1/catalogue/licence-types/", lambda n: LicenceTypeFactory.create_batch(n))


def _finder():
    activity = ActivityCategoryFactory()
    return World(
        None,
        f"/api/v1/catalogue/finder/?activity={activity.code}",
        lambda n: LicenceTypeFactory.create_batch(
            n, activities=[activity], documents=[DocumentRequirementFactory()]
        ),
    )


def _concerns():
    NationalCouncilFactory()
    owner = EntrepreneurFactory()
    return World(
        owner, "/api/v1/council/concerns/", lambda n: [raised(owner, subject=f"Delay {i}") for i in range(n)]
    )


def _consultations():
    council = CouncilFactory()
    return World(
        None,
        "/api/v1/council/consultations/",
        lambda n: ConsultationFactory.create_batch(n, council=council, open=True),
    )


def _comments():
    consultation = ConsultationFactory(open=True)
    return World(
        officer_of(consultation.council),  # comments are not public while open: the council reads them
        f"/api/v1/council/consultations/{consultation.pk}/comments/",
        lambda n: [comment_on(consultation) for _ in range(n)],
    )


def _councils():
    def add(n):
        for _ in range(n):
            CouncilMemberFactory(council=CouncilFactory())

    return World(None, "/api/v1/council/councils/", add)


def _goals():
    def add(n):
        for _ in range(n):
            GoalMeasurementFactory(goal=GoalFactory())

    return World(None, "/api/v1/council/goals/", add)


def _reports():
    council = CouncilFactory()
    officer = officer_of(council)
    starts = iter(dt.date(2025, 1, 1) + dt.timedelta(days=7 * i) for i in range(12))

    def add(n):
        for _ in range(n):
            start = next(starts)
            report_create(
                actor=officer, council=council, period_start=start, period_end=start + dt.timedelta(days=6)
            )

    return World(officer, "/api/v1/council/reports/", add)


def _notifications():
    user = UserFactory()
    counter = iter(range(100))

    def add(n):
        for _ in range(n):
            notify(
                recipients=[user],
                event=Event.APPLICATION_SUBMITTED,
                subject_key=f"q{next(counter)}",
                payload={},
            )

    return World(user, "/api/v1/notifications/", add)


def _preferences():
    user = UserFactory()
    events = iter(Event.values)
    world = World(user, "/api/v1/notifications/preferences/", None)

    def add(n):
        for _ in range(n):
            response = world.client.post(world.path, {"event": next(events), "email": False}, format="json")
            assert response.status_code == 200, response.content

    world.add = add
    return world


def _webhooks():
    bank = ApiClientFactory().user
    counter = iter(range(100))

    def add(n):
        for _ in range(n):
            subscription_create(actor=bank, url=f"http://127.0.0.1:9/hooks/{next(counter)}", events=[])

    return World(bank, "/api/v1/webhooks/", add)


LISTS = {
    "applications_list": _applications,
    "applications_documents_list": _documents,
    "applications_messages_list": _messages,
    "applications_notes_list": _notes,
    "catalogue_activities_list": _activities,
    "catalogue_finder": _finder,
    "catalogue_licence_types_list": _licence_types,
    "council_concerns_list": _concerns,
    "council_consultations_list": _consultations,
    "council_consultations_comments_list": _comments,
    "council_councils_list": _councils,
    "council_goals_list": _goals,
    "council_reports_list": _reports,
    "notifications_list": _notifications,
    "notifications_preferences_list": _preferences,
    "permits_list": _permits,
    "review_conflicts_list": _conflicts,
    "review_queue": _queue,
    "webhooks_list": _webhooks,
}


def paginated_lists() -> set[str]:
    """The operation id of every GET whose answer is a page (`Paginated...` in the schema)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = set()
    for operations in schema["paths"].values():
        get = operations.get("get")
        if get is None:
            continue
        ok = get["responses"].get("200", {}).get("content", {}).get("application/json", {})
        if "Paginated" in ok.get("schema", {}).get("$ref", ""):
            found.add(get["operationId"])
    return found


def test_every_list_route_is_in_the_table():
    # given every paginated list the API serves
    served = paginated_lists()

    # then each has a row here, and no row names a list that does not exist
    assert set(LISTS) == served


@pytest.mark.parametrize("operation", sorted(LISTS))
def test_a_page_of_twelve_costs_the_queries_of_a_page_of_two(operation, client_for):
    with time_machine.travel(WEDNESDAY, tick=False):
        # given two rows the caller sees
        world = LISTS[operation]()
        world.client = client_for(world.caller)
        world.add(2)
        baseline = _read(world)

        # when ten more exist
        world.add(10)

        # then one page of all of them costs the same
        assert _read(world, expect=baseline.rows + 10).queries == baseline.queries


@dataclass
class Reading:
    rows: int
    queries: int


def _read(world: World, expect: int | None = None) -> Reading:
    separator = "&" if "?" in world.path else "?"
    with CaptureQueriesContext(connection) as captured:
        response = world.client.get(f"{world.path}{separator}page_size=50")
    assert response.status_code == 200, response.content
    rows = len(response.json()["results"])
    if expect is not None:
        assert rows == expect
    return Reading(rows=rows, queries=len(captured))
