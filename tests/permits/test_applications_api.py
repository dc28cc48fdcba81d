"""The applicant's application endpoints over real HTTP: drafts, listing, submission (with the risk
assessment and the low-tier permit), withdrawal, the message thread, and what every transition
leaves behind (audit events and outbox notifications)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from permits.errors import PermitErrorCode
from permits.models import Application, Comparison, Holiday, HolidayKind, Tier
from permits.services.applications import application_submit, message_post
from permits.services.catalogue import risk_rule_add, rule_set_publish
from permits.services.documents import application_document_attach
from portal.api.errors import ErrorCode
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.factories import EntrepreneurFactory, MembershipFactory, UserFactory
from tests.permits.factories import (
    DocumentRequirementFactory,
    DraftApplicationFactory,
    LicenceTypeFactory,
    QuestionFactory,
    RiskRuleSetFactory,
    base_reason,
    pdf_upload,
)

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
APPLICATIONS = "/api/v1/applications/"
APPLICATION_FIELDS = {
    "id",
    "reference",
    "business",
    "licence_type",
    "status",
    "stage",
    "risk_tier",
    "risk_reasons",
    "answers",
    "submitted_at",
    "due_at",
    "decided_at",
    "decision_reason",
    "assigned_to",
    "version",
    "bundle",
    "permit",
}
PERMIT_NUMBER = re.compile(r"^KZ-[A-Z0-9-]+-\d{4}-\d{6}$")
# A Wednesday, 10:30 in Almaty, with no public holiday in the fortnight that follows.
WEDNESDAY = dt.datetime(2026, 9, 16, 10, 30, tzinfo=ALMATY)


# --- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def owner():
    return EntrepreneurFactory()


@pytest.fixture
def business(owner):
    return owner.memberships.get().business


@pytest.fixture
def owner_client(client_for, owner):
    return client_for(owner)


@pytest.fixture
def stranger():
    """Another entrepreneur, with a business of their own."""
    return EntrepreneurFactory()


@pytest.fixture
def charter():
    return DocumentRequirementFactory(code="company-charter", name="Company charter")


@pytest.fixture
def floor_plan():
    return DocumentRequirementFactory(code="floor-plan", name="Floor plan")


@pytest.fixture
def attendance():
    return QuestionFactory(key="expected_attendance", integer=True)


@pytest.fixture
def venue():
    return QuestionFactory(key="venue_type", choice=True)


@pytest.fixture
def medium_type(charter, floor_plan, attendance, venue):
    """Medium tier, no explicit deadline (so the default 10 working days), two documents."""
    return LicenceTypeFactory(
        code="concert-permit",
        documents=[charter, floor_plan],
        asks=[(attendance, True), (venue, False)],
        deadline_working_days=None,
    )


@pytest.fixture
def low_type(charter, attendance):
    return LicenceTypeFactory(
        code="studio-notification",
        low=True,
        documents=[charter],
        asks=[(attendance, True)],
        validity_months=12,
    )


def draft(owner, business, licence_type, answers=None) -> Application:
    return DraftApplicationFactory(
        business=business,
        licence_type=licence_type,
        created_by=owner,
        answers={"expected_attendance": 40} if answers is None else answers,
    )


def attach_all(owner, application: Application) -> None:
    for requirement in application.licence_type.required_documents.all():
        application_document_attach(
            actor=owner, application_id=application.pk, requirement_code=requirement.code, upload=pdf_upload()
        )


def complete_draft(owner, business, licence_type, answers=None) -> Application:
    application = draft(owner, business, licence_type, answers)
    attach_all(owner, application)
    return application


def submitted(owner, business, licence_type, answers=None) -> Application:
    application = complete_draft(owner, business, licence_type, answers)
    return application_submit(actor=owner, application_id=application.pk)


def when(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


# --- create ----------------------------------------------------------------------------------


def test_create_makes_a_draft_with_the_documented_shape(owner, owner_client, business, medium_type):
    # given
    payload = {
        "business": business.pk,
        "licence_type": "concert-permit",
        "answers": {"expected_attendance": 300},
    }

    # when
    response = owner_client.post(APPLICATIONS, payload, format="json")

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= APPLICATION_FIELDS
    assert re.fullmatch(r"APP-\d{4}-\d{6}", body["reference"])
    assert body["business"] == business.pk
    assert body["licence_type"] == "concert-permit"
    assert body["status"] == "draft"
    assert body["stage"] == "draft"
    assert body["risk_tier"] is None
    assert body["risk_reasons"] == []
    assert body["answers"] == {"expected_attendance": 300}
    assert body["submitted_at"] is None
    assert body["due_at"] is None
    assert body["decided_at"] is None
    assert body["decision_reason"] == ""
    assert body["assigned_to"] is None
    assert body["version"] == 1
    assert body["bundle"] is None
    assert body["permit"] is None
    stored = Application.objects.get(pk=body["id"])
    assert stored.reference == body["reference"]
    assert stored.created_by == owner


def test_create_writes_an_audit_event(owner_client, owner, business, medium_type):
    # given
    payload = {"business": business.pk, "licence_type": "concert-permit"}

    # when
    body = owner_client.post(APPLICATIONS, payload, format="json").json()

    # then
    event = AuditEvent.objects.get(action="application.created", object_id=str(body["id"]))
    assert event.object_type == "permits.application"
    assert event.actor_id == owner.pk
    assert event.data["reference"] == body["reference"]
    assert event.data["licence_type"] == "concert-permit"


def test_create_for_a_business_the_caller_is_not_a_member_of_is_404(owner_client, stranger, medium_type):
    # given
    foreign_business = stranger.memberships.get().business

    # when
    response = owner_client.post(
        APPLICATIONS, {"business": foreign_business.pk, "licence_type": "concert-permit"}, format="json"
    )

    # then
    assert response.status_code == 404
    assert response.json()["code"] == ErrorCode.NOT_FOUND
    assert not Application.objects.exists()


def test_create_with_an_unknown_licence_type_is_400(owner_client, business):
    # when
    response = owner_client.post(
        APPLICATIONS, {"business": business.pk, "licence_type": "no-such-thing"}, format="json"
    )

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == PermitErrorCode.UNKNOWN_LICENCE_TYPE
    assert "licence_type" in body["fields"]
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "answers, field",
    [
        ({"expected_attendance": "lots"}, "answers.expected_attendance"),
        ({"expected_attendance": True}, "answers.expected_attendance"),
        ({"venue_type": "underwater"}, "answers.venue_type"),
        ({"favourite_colour": "blue"}, "answers.favourite_colour"),
    ],
)
def test_create_with_an_invalid_answer_names_the_answer(owner_client, business, medium_type, answers, field):
    # when
    response = owner_client.post(
        APPLICATIONS,
        {"business": business.pk, "licence_type": "concert-permit", "answers": answers},
        format="json",
    )

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == ErrorCode.INVALID
    assert list(body["fields"]) == [field]
    assert not Application.objects.exists()


def test_create_needs_authentication(api_client, business, medium_type):
    # when
    response = api_client.post(
        APPLICATIONS, {"business": business.pk, "licence_type": "concert-permit"}, format="json"
    )

    # then
    assert response.status_code == 401
    assert response.json()["code"] == ErrorCode.NOT_AUTHENTICATED


# --- edit ------------------------------------------------------------------------------------


def test_patch_merges_answers_and_null_removes_a_key(owner, owner_client, business, medium_type):
    # given
    application = draft(owner, business, medium_type, {"expected_attendance": 40, "venue_type": "indoor"})

    # when
    response = owner_client.patch(
        f"{APPLICATIONS}{application.pk}/",
        {"answers": {"expected_attendance": 90, "venue_type": None}, "version": 1},
        format="json",
    )

    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["answers"] == {"expected_attendance": 90}
    assert body["version"] == 2
    application.refresh_from_db()
    assert application.answers == {"expected_attendance": 90}


def test_patch_keeps_answers_it_does_not_mention(owner, owner_client, business, medium_type):
    # given
    application = draft(owner, business, medium_type, {"expected_attendance": 40})

    # when
    response = owner_client.patch(
        f"{APPLICATIONS}{application.pk}/", {"answers": {"venue_type": "outdoor"}}, format="json"
    )

    # then
    assert response.status_code == 200
    assert response.json()["answers"] == {"expected_attendance": 40, "venue_type": "outdoor"}
    assert response.json()["version"] == 2


def test_patch_with_an_invalid_answer_names_it_and_changes_nothing(
    owner, owner_client, business, medium_type
):
    # given
    application = draft(owner, business, medium_type, {"expected_attendance": 40})

    # when
    response = owner_client.patch(
        f"{APPLICATIONS}{application.pk}/", {"answers": {"venue_type": 7}}, format="json"
    )

    # then
    assert response.status_code == 400
    assert "answers.venue_type" in response.json()["fields"]
    application.refresh_from_db()
    assert application.answers == {"expected_attendance": 40}
    assert application.version == 1


def test_patch_after_submission_is_409_not_draft(owner, owner_client, business, medium_type):
    # given
    application = submitted(owner, business, medium_type)

    # when
    response = owner_client.patch(
        f"{APPLICATIONS}{application.pk}/", {"answers": {"expected_attendance": 1}}, format="json"
    )

    # then
    assert response.status_code == 409
    assert response.json()["code"] == ErrorCode.NOT_DRAFT
    application.refresh_from_db()
    assert application.answers == {"expected_attendance": 40}


def test_patch_with_a_stale_version_is_409_conflict(owner, owner_client, business, medium_type):
    # given: someone else edited the draft meanwhile (version 1 -> 2)
    application = draft(owner, business, medium_type)
    url = f"{APPLICATIONS}{application.pk}/"
    assert (
        owner_client.patch(
            url, {"answers": {"expected_attendance": 50}, "version": 1}, format="json"
        ).status_code
        == 200
    )

    # when
    response = owner_client.patch(url, {"answers": {"expected_attendance": 60}, "version": 1}, format="json")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == ErrorCode.CONFLICT
    application.refresh_from_db()
    assert application.answers == {"expected_attendance": 50}
    assert application.version == 2


def test_patch_of_another_entrepreneurs_application_is_404(
    client_for, owner, business, medium_type, stranger
):
    # given
    application = draft(owner, business, medium_type)

    # when
    response = client_for(stranger).patch(
        f"{APPLICATIONS}{application.pk}/", {"answers": {"expected_attendance": 1}}, format="json"
    )

    # then
    assert response.status_code == 404
    assert response.json()["code"] == ErrorCode.NOT_FOUND
    application.refresh_from_db()
    assert application.answers == {"expected_attendance": 40}


def test_get_of_another_entrepreneurs_application_is_404(client_for, owner, business, medium_type, stranger):
    # given
    application = draft(owner, business, medium_type)

    # when
    response = client_for(stranger).get(f"{APPLICATIONS}{application.pk}/")

    # then
    assert response.status_code == 404
    assert response.json()["code"] == ErrorCode.NOT_FOUND


# --- list ------------------------------------------------------------------------------------


def test_list_shows_only_the_callers_businesses_applications(
    owner, owner_client, business, medium_type, stranger
):
    # given: two of mine (one in a second business of mine) and one of a stranger
    second_business = MembershipFactory(user=owner).business
    mine = {draft(owner, business, medium_type).pk, draft(owner, second_business, medium_type).pk}
    draft(stranger, stranger.memberships.get().business, medium_type)

    # when
    response = owner_client.get(APPLICATIONS)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {item["id"] for item in body["results"]} == mine


def test_list_filters_by_status_business_and_licence_type(
    owner, owner_client, business, medium_type, low_type
):
    # given
    second_business = MembershipFactory(user=owner).business
    a_draft = draft(owner, business, medium_type)
    a_submitted = submitted(owner, business, medium_type)
    a_low = draft(owner, second_business, low_type)

    # when
    by_status = owner_client.get(APPLICATIONS, {"status": "submitted"}).json()
    by_business = owner_client.get(APPLICATIONS, {"business": second_business.pk}).json()
    by_type = owner_client.get(APPLICATIONS, {"licence_type": "concert-permit"}).json()
    combined = owner_client.get(APPLICATIONS, {"status": "draft", "licence_type": "concert-permit"}).json()

    # then
    assert [item["id"] for item in by_status["results"]] == [a_submitted.pk]
    assert [item["id"] for item in by_business["results"]] == [a_low.pk]
    assert {item["id"] for item in by_type["results"]} == {a_draft.pk, a_submitted.pk}
    assert [item["id"] for item in combined["results"]] == [a_draft.pk]


def test_list_is_paginated(owner, owner_client, business, medium_type):
    # given
    for _ in range(3):
        draft(owner, business, medium_type)

    # when
    first = owner_client.get(APPLICATIONS, {"page_size": 2}).json()
    second = owner_client.get(first["next"]).json()

    # then
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 3
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert first["next"] is not None
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert second["previous"] is not None
    assert {i["id"] for i in first["results"]}.isdisjoint({i["id"] for i in second["results"]})


def test_list_newest_first(owner, owner_client, business, medium_type):
    # given
    with time_machine.travel(WEDNESDAY, tick=False) as traveller:
        older = draft(owner, business, medium_type)
        traveller.shift(dt.timedelta(minutes=5))
        newer = draft(owner, business, medium_type)

    # when
    body = owner_client.get(APPLICATIONS).json()

    # then
    assert [item["id"] for item in body["results"]] == [newer.pk, older.pk]


@pytest.mark.parametrize("params", [{"status": "flying"}, {"business": "abc"}])
def test_list_with_a_bad_filter_value_is_400(owner_client, params):
    # when
    response = owner_client.get(APPLICATIONS, params)

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == ErrorCode.INVALID
    assert list(body["fields"]) == list(params)


def test_list_query_count_does_not_grow_with_the_number_of_applications(owner, owner_client, business):
    # given: one approved application with a permit
    low = LicenceTypeFactory(low=True)
    medium = LicenceTypeFactory()
    application_submit(actor=owner, application_id=draft(owner, business, low, {}).pk)

    def list_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = owner_client.get(APPLICATIONS, {"page_size": 100})
        assert response.status_code == 200
        return len(captured.captured_queries), len(response.json()["results"])

    one_queries, one_count = list_queries()

    # when: 49 more, of several licence types and states (permits, no permits, drafts)
    for index in range(49):
        application = draft(owner, business, [low, medium][index % 2], {})
        if index % 3 == 0:
            application_submit(actor=owner, application_id=application.pk)
    many_queries, many_count = list_queries()

    # then
    assert (one_count, many_count) == (1, 50)
    assert many_queries == one_queries


# --- submit ----------------------------------------------------------------------------------


def test_submit_incomplete_lists_missing_documents_and_answers(
    owner, owner_client, business, medium_type, charter
):
    # given: the charter given but not the floor plan; the required attendance not answered
    application = draft(owner, business, medium_type, {"venue_type": "indoor"})
    application_document_attach(
        actor=owner, application_id=application.pk, requirement_code="company-charter", upload=pdf_upload()
    )

    # when
    response = owner_client.post(f"{APPLICATIONS}{application.pk}/submit/")

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == PermitErrorCode.INCOMPLETE
    assert body["fields"] == {"documents": ["floor-plan"], "answers": ["expected_attendance"]}
    application.refresh_from_db()
    assert application.status == "draft"
    assert application.version == 1


def test_submit_with_nothing_given_lists_everything(owner, owner_client, business, medium_type):
    # given
    application = draft(owner, business, medium_type, {})

    # when
    response = owner_client.post(f"{APPLICATIONS}{application.pk}/submit/")

    # then
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "documents": ["company-charter", "floor-plan"],
        "answers": ["expected_attendance"],
    }


@time_machine.travel(WEDNESDAY, tick=False)
def test_submit_medium_awaits_review_due_in_ten_working_days(owner, owner_client, business, medium_type):
    # given
    application = complete_draft(owner, business, medium_type)

    # when
    response = owner_client.post(f"{APPLICATIONS}{application.pk}/submit/")

    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "submitted"
    assert body["stage"] == "awaiting_review"
    assert body["risk_tier"] == "medium"
    assert body["risk_reasons"] == [
        f"Concert Permit is a permit under {medium_type.legal_basis.title}, so its risk tier is medium at least."
    ]
    assert body["permit"] is None
    assert body["decided_at"] is None
    assert when(body["submitted_at"]) == WEDNESDAY
    # Wednesday 16 September + 10 working days (two full weeks) = Wednesday 30 September, same time.
    assert when(body["due_at"]) == dt.datetime(2026, 9, 30, 10, 30, tzinfo=ALMATY)
    assert when(body["due_at"]) > when(body["submitted_at"])
    assert body["version"] == 2


@time_machine.travel(WEDNESDAY, tick=False)
def test_submit_medium_with_an_explicit_deadline_uses_it(owner, owner_client, business, attendance):
    # given: a licence type that gives the authority 3 working days
    quick = LicenceTypeFactory(asks=[(attendance, True)], deadline_working_days=3)
    application = complete_draft(owner, business, quick)

    # when
    body = owner_client.post(f"{APPLICATIONS}{application.pk}/submit/").json()

    # then: Wednesday + 3 working days = Monday
    assert when(body["due_at"]) == dt.datetime(2026, 9, 21, 10, 30, tzinfo=ALMATY)


@pytest.mark.parametrize(
    "calendar, due",
    [
        # a public holiday on Friday 25 September pushes the deadline one working day on
        ([(dt.date(2026, 9, 25), HolidayKind.HOLIDAY)], dt.date(2026, 10, 1)),
        # a decreed working Saturday (26 September) brings it one working day closer
        ([(dt.date(2026, 9, 26), HolidayKind.WORKING_DAY)], dt.date(2026, 9, 29)),
    ],
)
def test_the_deadline_follows_the_holiday_calendar(owner, business, medium_type, calendar, due):
    # given
    for day, kind in calendar:
        Holiday.objects.create(date=day, name="Decreed", kind=kind)
    application = complete_draft(owner, business, medium_type)

    # when
    with time_machine.travel(WEDNESDAY, tick=False):
        application_submit(actor=owner, application_id=application.pk)

    # then
    application.refresh_from_db()
    assert application.due_at == dt.datetime.combine(due, dt.time(10, 30), tzinfo=ALMATY)


@pytest.mark.parametrize(
    "moment, validity, valid_until, year",
    [
        # 20:00 UTC on 31 December is already 1 January in Almaty: the local date and year count.
        (dt.datetime(2026, 12, 31, 20, 0, tzinfo=dt.UTC), 12, "2028-01-01", "2027"),
        # a month added to 31 January ends on the last day of February
        (dt.datetime(2026, 1, 31, 9, 0, tzinfo=ALMATY), 1, "2026-02-28", "2026"),
        (dt.datetime(2026, 9, 16, 10, 30, tzinfo=ALMATY), 24, "2028-09-16", "2026"),
    ],
)
def test_submit_low_is_approved_with_a_permit_at_once(
    client_for, owner, business, charter, attendance, moment, validity, valid_until, year
):
    with time_machine.travel(moment, tick=False):
        # given: a token issued at that moment (tokens expire, so it cannot come from the real now)
        owner_client = client_for(owner)
        low = LicenceTypeFactory(
            low=True, documents=[charter], asks=[(attendance, True)], validity_months=validity
        )
        application = complete_draft(owner, business, low)

        # when
        response = owner_client.post(f"{APPLICATIONS}{application.pk}/submit/")

    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved"
    assert body["stage"] == "decided"
    assert body["risk_tier"] == "low"
    assert body["due_at"] is None
    assert when(body["decided_at"]) == moment
    assert body["decision_reason"]
    permit = body["permit"]
    assert set(permit) == {"number", "verification_code", "status", "valid_until"}
    assert PERMIT_NUMBER.fullmatch(permit["number"]), permit["number"]
    assert permit["number"].startswith(f"KZ-{low.authority.code.upper()}-{year}-")
    assert len(permit["verification_code"]) >= 12
    assert permit["status"] == "active"
    assert permit["valid_until"] == valid_until


def test_submit_low_with_open_ended_validity_has_no_end_date(owner, owner_client, business):
    # given
    low = LicenceTypeFactory(low=True, validity_months=None)
    application = draft(owner, business, low, {})

    # when
    body = owner_client.post(f"{APPLICATIONS}{application.pk}/submit/").json()

    # then
    assert body["status"] == "approved"
    assert body["permit"]["valid_until"] is None


def test_submitting_twice_is_409_invalid_transition(owner, owner_client, business, medium_type):
    # given
    application = complete_draft(owner, business, medium_type)
    url = f"{APPLICATIONS}{application.pk}/submit/"
    assert owner_client.post(url).status_code == 200

    # when
    response = owner_client.post(url)

    # then
    assert response.status_code == 409
    assert response.json()["code"] == ErrorCode.INVALID_TRANSITION
    application.refresh_from_db()
    assert application.version == 2


def test_submit_with_a_stale_version_is_409_conflict(owner, owner_client, business, medium_type):
    # given
    application = complete_draft(owner, business, medium_type)

    # when
    response = owner_client.post(f"{APPLICATIONS}{application.pk}/submit/", {"version": 7}, format="json")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == ErrorCode.CONFLICT
    application.refresh_from_db()
    assert application.status == "draft"


def test_submit_of_another_entrepreneurs_application_is_404(
    client_for, owner, business, medium_type, stranger
):
    # given
    application = complete_draft(owner, business, medium_type)

    # when
    response = client_for(stranger).post(f"{APPLICATIONS}{application.pk}/submit/")

    # then
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == "draft"


@pytest.fixture
def attendance_rule():
    """A published rule set: more than 500 attendees raises any licence type to medium."""
    official = UserFactory()
    rule_set = RiskRuleSetFactory()
    risk_rule_add(
        actor=official,
        rule_set=rule_set,
        question_key="expected_attendance",
        comparison=Comparison.GREATER_THAN,
        value=500,
        raises_to=Tier.MEDIUM,
        reason="Expected attendance over 500",
    )
    return rule_set_publish(actor=official, rule_set=rule_set)


def test_a_matching_published_risk_rule_raises_low_to_medium(
    owner, owner_client, business, low_type, attendance_rule
):
    # given
    application = complete_draft(owner, business, low_type, {"expected_attendance": 800})

    # when
    response = owner_client.post(f"{APPLICATIONS}{application.pk}/submit/")

    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["risk_tier"] == "medium"
    assert body["risk_reasons"] == [base_reason(low_type), "Expected attendance over 500"]
    assert body["status"] == "submitted"
    assert body["stage"] == "awaiting_review"
    assert body["permit"] is None
    assert body["due_at"] is not None
    assert body["rule_set_version"] == attendance_rule.version


def test_a_published_risk_rule_that_does_not_match_keeps_low(
    owner, owner_client, business, low_type, attendance_rule
):
    # given
    application = complete_draft(owner, business, low_type, {"expected_attendance": 500})

    # when
    body = owner_client.post(f"{APPLICATIONS}{application.pk}/submit/").json()

    # then
    assert body["risk_tier"] == "low"
    assert body["risk_reasons"] == [base_reason(low_type)]
    assert body["status"] == "approved"
    assert body["permit"] is not None


def test_an_unpublished_risk_rule_does_not_apply(owner, owner_client, business, low_type):
    # given: a matching rule, but its rule set is still a draft
    rule_set = RiskRuleSetFactory()
    risk_rule_add(
        actor=owner,
        rule_set=rule_set,
        question_key="expected_attendance",
        comparison=Comparison.GREATER_THAN,
        value=500,
        raises_to=Tier.HIGH,
        reason="Expected attendance over 500",
    )
    application = complete_draft(owner, business, low_type, {"expected_attendance": 800})

    # when
    body = owner_client.post(f"{APPLICATIONS}{application.pk}/submit/").json()

    # then
    assert body["risk_tier"] == "low"
    assert body["status"] == "approved"


# --- withdraw --------------------------------------------------------------------------------


def test_withdraw_a_submitted_application(owner, owner_client, business, medium_type):
    # given
    application = submitted(owner, business, medium_type)

    # when
    response = owner_client.post(f"{APPLICATIONS}{application.pk}/withdraw/")

    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "withdrawn"
    assert body["stage"] == "withdrawn"
    assert body["version"] == 3


def test_withdraw_stores_the_reason(owner, owner_client, business, medium_type):
    # given
    application = submitted(owner, business, medium_type)

    # when
    response = owner_client.post(
        f"{APPLICATIONS}{application.pk}/withdraw/",
        {"reason": "  The festival was cancelled.  "},
        format="json",
    )

    # then
    assert response.status_code == 200
    assert response.json()["decision_reason"] == "The festival was cancelled."
    event = AuditEvent.objects.get(action="application.withdrawn", object_id=str(application.pk))
    assert event.data["reason"] == "The festival was cancelled."


def test_withdraw_an_approved_application_is_409(owner, owner_client, business, low_type):
    # given
    application = submitted(owner, business, low_type)
    assert application.status == "approved"

    # when
    response = owner_client.post(f"{APPLICATIONS}{application.pk}/withdraw/")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == ErrorCode.INVALID_TRANSITION
    application.refresh_from_db()
    assert application.status == "approved"


def test_withdraw_of_another_entrepreneurs_application_is_404(
    client_for, owner, business, medium_type, stranger
):
    # given
    application = submitted(owner, business, medium_type)

    # when
    response = client_for(stranger).post(f"{APPLICATIONS}{application.pk}/withdraw/")

    # then
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == "submitted"


# --- messages --------------------------------------------------------------------------------


def test_message_on_a_draft_is_409_not_submitted(owner, owner_client, business, medium_type):
    # given
    application = draft(owner, business, medium_type)

    # when
    response = owner_client.post(
        f"{APPLICATIONS}{application.pk}/messages/", {"body": "Hello?"}, format="json"
    )

    # then
    assert response.status_code == 409
    assert response.json()["code"] == PermitErrorCode.NOT_SUBMITTED
    assert not application.messages.exists()


@time_machine.travel(WEDNESDAY, tick=False)
def test_message_on_a_submitted_application(owner, owner_client, business, medium_type):
    # given
    application = submitted(owner, business, medium_type)

    # when
    response = owner_client.post(
        f"{APPLICATIONS}{application.pk}/messages/",
        {"body": "  When can we expect an answer?  "},
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"id", "author", "body", "created_at"}
    assert body["author"] == owner.username
    assert body["body"] == "When can we expect an answer?"
    assert when(body["created_at"]) == WEDNESDAY
    assert application.messages.get().pk == body["id"]
    assert AuditEvent.objects.filter(action="application.message_posted", object_id=str(body["id"])).exists()


def test_messages_are_listed_oldest_first_and_paginated(owner, owner_client, business, medium_type):
    # given: three messages a minute apart
    application = submitted(owner, business, medium_type)
    with time_machine.travel(WEDNESDAY, tick=False) as traveller:
        for text in ("first", "second", "third"):
            message_post(actor=owner, application_id=application.pk, body=text)
            traveller.shift(dt.timedelta(minutes=1))

    # when
    first = owner_client.get(f"{APPLICATIONS}{application.pk}/messages/", {"page_size": 2}).json()
    second = owner_client.get(first["next"]).json()

    # then
    assert first["count"] == 3
    assert [m["body"] for m in first["results"]] == ["first", "second"]
    assert [m["body"] for m in second["results"]] == ["third"]
    assert second["next"] is None


@pytest.mark.parametrize("payload", [{"body": ""}, {"body": "   "}, {}, {"body": "x" * 5001}])
def test_message_body_must_be_given_and_bounded(owner, owner_client, business, medium_type, payload):
    # given
    application = submitted(owner, business, medium_type)

    # when
    response = owner_client.post(f"{APPLICATIONS}{application.pk}/messages/", payload, format="json")

    # then
    assert response.status_code == 400
    assert "body" in response.json()["fields"]
    assert not application.messages.exists()


def test_a_message_of_exactly_5000_characters_is_accepted(owner, owner_client, business, medium_type):
    # given
    application = submitted(owner, business, medium_type)

    # when
    response = owner_client.post(
        f"{APPLICATIONS}{application.pk}/messages/", {"body": "x" * 5000}, format="json"
    )

    # then
    assert response.status_code == 201
    assert len(application.messages.get().body) == 5000


def test_messages_of_another_entrepreneurs_application_are_404(
    client_for, owner, business, medium_type, stranger
):
    # given
    application = submitted(owner, business, medium_type)
    message_post(actor=owner, application_id=application.pk, body="Private")
    intruder = client_for(stranger)

    # when
    listed = intruder.get(f"{APPLICATIONS}{application.pk}/messages/")
    posted = intruder.post(f"{APPLICATIONS}{application.pk}/messages/", {"body": "Hi"}, format="json")

    # then
    assert listed.status_code == 404
    assert posted.status_code == 404
    assert application.messages.count() == 1


# --- what transitions leave behind -----------------------------------------------------------


@pytest.fixture
def partner(business):
    """A second member of the owner's business."""
    return MembershipFactory(business=business, role="member").user


def events_for(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def notified(user) -> list[str]:
    return sorted(
        Notification.objects.filter(channel="in_app", recipient=user).values_list("event", flat=True)
    )


def test_submitting_medium_audits_and_notifies_every_member(
    owner, partner, owner_client, business, medium_type
):
    # given
    application = complete_draft(owner, business, medium_type)

    # when
    owner_client.post(f"{APPLICATIONS}{application.pk}/submit/")

    # then: no official of the authority yet, so it waits unassigned (and that is recorded too)
    assert events_for(application) == ["application.submitted", "application.awaiting_assignment"]
    event = AuditEvent.objects.get(action="application.submitted", object_id=str(application.pk))
    assert event.actor_id == owner.pk
    assert event.data["from"] == "draft"
    assert event.data["to"] == "submitted"
    assert event.data["risk_tier"] == "medium"
    assert notified(owner) == ["application.submitted"]
    assert notified(partner) == ["application.submitted"]
    payload = Notification.objects.get(channel="in_app", recipient=partner).payload
    assert payload["reference"] == application.reference
    assert payload["status"] == "submitted"


def test_submitting_low_audits_each_step_and_notifies_every_member_of_the_permit(
    owner, partner, owner_client, business, low_type
):
    # given
    application = complete_draft(owner, business, low_type)

    # when
    body = owner_client.post(f"{APPLICATIONS}{application.pk}/submit/").json()

    # then
    assert events_for(application) == ["application.submitted", "application.notification_accepted"]
    permit = application.permit
    assert permit.number == body["permit"]["number"]
    assert events_for(permit) == ["permit.issued"]
    for member in (owner, partner):
        assert "permit.issued" in notified(member)
        assert (
            Notification.objects.get(channel="in_app", recipient=member, event="permit.issued").payload[
                "permit"
            ]
            == permit.number
        )


def test_withdrawing_is_audited(owner, owner_client, business, medium_type):
    # given
    application = submitted(owner, business, medium_type)

    # when
    owner_client.post(f"{APPLICATIONS}{application.pk}/withdraw/")

    # then
    assert events_for(application) == [
        "application.submitted",
        "application.awaiting_assignment",
        "application.withdrawn",
    ]
    event = AuditEvent.objects.get(action="application.withdrawn", object_id=str(application.pk))
    assert (event.data["from"], event.data["to"]) == ("submitted", "withdrawn")
    assert event.actor_id == owner.pk


def test_withdrawing_notifies_every_member(owner, partner, owner_client, business, medium_type):
    # given
    application = submitted(owner, business, medium_type)

    # when
    owner_client.post(f"{APPLICATIONS}{application.pk}/withdraw/")

    # then
    assert "application.withdrawn" in notified(owner)
    assert "application.withdrawn" in notified(partner)


def test_a_refused_submission_leaves_no_trace(owner, partner, owner_client, business, medium_type):
    # given: an incomplete draft
    application = draft(owner, business, medium_type, {})

    # when
    response = owner_client.post(f"{APPLICATIONS}{application.pk}/submit/")

    # then
    assert response.status_code == 400
    assert events_for(application) == []
    assert not Notification.objects.exists()
