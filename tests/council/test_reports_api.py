"""Reports over the API: create, refresh, publish (which freezes), visibility, CSV, the nightly refresh."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from council.models import AccountabilityReport, CouncilRole, CouncilSubscription, ReportStatus
from council.services.reports import report_create, report_drafts_refresh, report_publish
from council.tasks import report_drafts_refresh as report_drafts_refresh_task
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.council.reports_factories import application_in_state, local, permit_for
from tests.factories import AuthorityFactory, CouncilFactory, CouncilMemberFactory, UserFactory
from tests.permits.factories import LicenceTypeFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/council"
NOW = local(2026, 4, 10, 12)
MARCH = {"period_start": "2026-03-01", "period_end": "2026-03-31"}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def council():
    return CouncilFactory(name="National Council for Creative Industries")


def seat(council, role=CouncilRole.MEMBER):
    return CouncilMemberFactory(council=council, role=role).user


@pytest.fixture
def secretary(council):
    return seat(council, CouncilRole.SECRETARY)


def approved_application(authority, submitted, decided, due=None):
    application = application_in_state(
        licence_type=LicenceTypeFactory(authority=authority),
        status="approved",
        tier="medium",
        submitted_at=submitted,
        decided_at=decided,
        due_at=due or decided + dt.timedelta(days=10),
    )
    permit_for(application)
    return application


def test_an_officer_creates_a_draft_with_its_metrics(council, secretary, client_for):
    # given: one application decided in March
    approved_application(AuthorityFactory(name="Ministry of Culture"), local(2026, 3, 2), local(2026, 3, 4))

    # when
    response = client_for(secretary).post(f"{API}/reports/", {"council": council.pk, **MARCH}, format="json")

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["council"]["id"], body["page_url"]) == ("draft", council.pk, None)
    assert body["metrics"]["applications"]["total"]["received"] == 1
    assert body["metrics"]["applications"]["total"]["median_working_days"] == 2.0
    assert set(body["metrics"]) >= {
        "applications",
        "concerns",
        "consultations",
        "goals",
        "definitions",
        "period",
    }
    assert "on_time_share" in body["metrics"]["definitions"]
    report = AccountabilityReport.objects.get(pk=body["id"])
    assert AuditEvent.objects.filter(action="council.report_created", object_id=str(report.pk)).count() == 1


@pytest.mark.parametrize(
    ("period", "field"),
    [
        ({"period_start": "2026-03-31", "period_end": "2026-03-01"}, "period_end"),
        ({"period_start": "2020-01-01", "period_end": "2026-03-31"}, "period_end"),
        ({"period_start": "2026-05-01", "period_end": "2026-06-30"}, "period_start"),
        ({"period_start": "March", "period_end": "2026-03-31"}, "period_start"),
    ],
)
def test_a_bad_period_is_refused_naming_the_field(council, secretary, client_for, period, field):
    # when
    response = client_for(secretary).post(f"{API}/reports/", {"council": council.pk, **period}, format="json")

    # then
    assert response.status_code == 400
    assert (response.json()["code"], list(response.json()["fields"])) == ("invalid", [field])
    assert not AccountabilityReport.objects.exists()


def test_a_second_report_for_the_same_period_is_a_conflict(council, secretary, client_for):
    # given
    client = client_for(secretary)
    client.post(f"{API}/reports/", {"council": council.pk, **MARCH}, format="json")

    # when
    response = client.post(f"{API}/reports/", {"council": council.pk, **MARCH}, format="json")

    # then
    assert (response.status_code, response.json()["code"]) == (409, "report_exists")


def test_a_retried_create_with_the_same_key_replays_the_first_answer(council, secretary, client_for):
    # given
    client = client_for(secretary)
    body = {"council": council.pk, **MARCH}
    first = client.post(f"{API}/reports/", body, format="json", HTTP_IDEMPOTENCY_KEY="report-march")

    # when
    again = client.post(f"{API}/reports/", body, format="json", HTTP_IDEMPOTENCY_KEY="report-march")

    # then
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert AccountabilityReport.objects.count() == 1


def test_publishing_freezes_the_metrics_and_tells_members_and_subscribers(council, secretary, client_for):
    # given: a draft over one application, a member and a subscriber
    authority = AuthorityFactory(name="Ministry of Culture")
    approved_application(authority, local(2026, 3, 2), local(2026, 3, 4))
    member = seat(council)
    subscriber = UserFactory()
    CouncilSubscription.objects.create(council=council, user=subscriber)
    client = client_for(secretary)
    report_id = client.post(f"{API}/reports/", {"council": council.pk, **MARCH}, format="json").json()["id"]
    # data arriving after the draft was computed is taken in at publication
    approved_application(authority, local(2026, 3, 10), local(2026, 3, 12))

    # when
    published = client.post(
        f"{API}/reports/{report_id}/publish/", {"commentary": "Deadlines held."}, format="json"
    )
    # and more data arrives after publication, and the nightly refresh runs (as beat runs it)
    approved_application(authority, local(2026, 3, 16), local(2026, 3, 17))
    refreshed = report_drafts_refresh_task.apply().get()
    refresh = client.post(f"{API}/reports/{report_id}/refresh/")
    again = client.post(f"{API}/reports/{report_id}/publish/", {"commentary": "Again."}, format="json")

    # then
    assert published.status_code == 200, published.json()
    body = published.json()
    assert (body["status"], body["commentary"]) == ("published", "Deadlines held.")
    assert body["page_url"].endswith(f"/council/reports/{report_id}/")
    assert body["metrics"]["applications"]["total"]["received"] == 2
    report = AccountabilityReport.objects.get(pk=report_id)
    assert report.metrics["applications"]["total"]["received"] == 2
    assert report.published_at == NOW and report.published_by == secretary
    assert refreshed == 0
    assert (refresh.status_code, refresh.json()["code"]) == (409, "report_published")
    assert (again.status_code, again.json()["code"]) == (409, "report_published")
    assert client.get(f"{API}/reports/{report_id}/").json()["metrics"] == body["metrics"]
    told = Notification.objects.filter(event="council.report_published", channel="in_app")
    assert set(told.values_list("recipient", flat=True)) == {secretary.pk, member.pk, subscriber.pk}
    assert told.first().payload["council"] == council.name


def test_publishing_needs_a_commentary(council, secretary, client_for):
    # given
    report = report_create(
        actor=secretary, council=council, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)
    )

    # when
    response = client_for(secretary).post(
        f"{API}/reports/{report.pk}/publish/", {"commentary": "  "}, format="json"
    )

    # then
    assert (response.status_code, list(response.json()["fields"])) == (400, ["commentary"])
    assert AccountabilityReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT


def test_the_nightly_refresh_recomputes_drafts_only(council, secretary):
    # given: a draft and a published report, then a new application in both periods
    authority = AuthorityFactory()
    draft = report_create(
        actor=secretary, council=council, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)
    )
    published = report_create(
        actor=secretary, council=council, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 4, 5)
    )
    report_publish(actor=secretary, report_id=published.pk, commentary="As it stood.")
    approved_application(authority, local(2026, 3, 3), local(2026, 3, 5))

    # when
    with time_machine.travel(NOW + dt.timedelta(hours=14), tick=False):
        count = report_drafts_refresh()

    # then
    draft.refresh_from_db()
    published.refresh_from_db()
    assert count == 1
    assert draft.metrics["applications"]["total"]["received"] == 1
    assert draft.computed_at == NOW + dt.timedelta(hours=14)
    assert published.metrics["applications"]["total"]["received"] == 0
    assert published.computed_at == NOW


def test_drafts_are_seen_only_by_their_councils_members(council, secretary, client_for, api_client):
    # given: a draft and a published report of this council
    kwargs = {"actor": secretary, "council": council}
    draft = report_create(**kwargs, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31))
    public = report_create(**kwargs, period_start=dt.date(2026, 2, 1), period_end=dt.date(2026, 2, 28))
    report_publish(actor=secretary, report_id=public.pk, commentary="February.")
    outsider = seat(CouncilFactory())

    # when
    listed = {
        who: {r["id"] for r in client.get(f"{API}/reports/").json()["results"]}
        for who, client in (
            ("anonymous", api_client),
            ("member", client_for(seat(council))),
            ("outsider", client_for(outsider)),
        )
    }
    draft_for_outsider = client_for(outsider).get(f"{API}/reports/{draft.pk}/")
    draft_for_anonymous = api_client.get(f"{API}/reports/{draft.pk}/")

    # then
    assert listed == {"anonymous": {public.pk}, "member": {public.pk, draft.pk}, "outsider": {public.pk}}
    assert draft_for_outsider.status_code == draft_for_anonymous.status_code == 404
    assert api_client.get(f"{API}/reports/{public.pk}/").status_code == 200


def test_the_report_list_costs_the_same_queries_for_one_and_many(council, secretary, client_for):
    # given: twelve published reports (one per month of 2025)
    for month in range(1, 13):
        start = dt.date(2025, month, 1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        report = report_create(actor=secretary, council=council, period_start=start, period_end=end)
        report_publish(actor=secretary, report_id=report.pk, commentary="Monthly.")
    client = client_for(seat(council))

    # when
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(f"{API}/reports/", {"page_size": 1}).json()["results"]) == 1
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(f"{API}/reports/", {"page_size": 12}).json()["results"]) == 12

    # then
    assert len(one) == len(many)


def _csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_each_table_exports_as_csv(council, secretary, api_client):
    # given: a published report over one application of a formula-looking authority name
    authority = AuthorityFactory(code="mci", name="=HYPERLINK(1)")
    approved_application(authority, local(2026, 3, 2), local(2026, 3, 4), due=local(2026, 3, 16))
    report = report_create(
        actor=secretary, council=council, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)
    )
    report_publish(actor=secretary, report_id=report.pk, commentary="Published.")
    path = f"{API}/reports/{report.pk}/export.csv"

    # when
    tables = {
        name: api_client.get(path, {"table": name})
        for name in ("by_authority_tier", "concerns", "consultations", "goals")
    }
    missing = api_client.get(path)

    # then
    rows = _csv(tables["by_authority_tier"])
    assert rows[0][:5] == ["authority_code", "authority_name", "tier", "received", "decided"]
    assert rows[1][:4] == ["mci", "'=HYPERLINK(1)", "medium", "1"]
    assert rows[1][rows[0].index("on_time_share")] == "1.0"
    assert rows[1][rows[0].index("median_working_days")] == "2.0"
    assert rows[2][:3] == ["mci", "'=HYPERLINK(1)", "all"]
    assert rows[3][:3] == ["all", "", "all"]
    assert _csv(tables["concerns"])[-1][:3] == ["all", "", "0"]
    assert _csv(tables["consultations"])[0][:4] == ["id", "title", "status", "opened_on"]
    assert _csv(tables["goals"]) == [list(_csv(tables["goals"])[0])]
    response = tables["by_authority_tier"]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == f'attachment; filename="report-{report.pk}-by_authority_tier.csv"'
    )
    assert missing.status_code == 400
    assert "by_authority_tier" in missing.json()["fields"]["table"][0]


def test_a_drafts_csv_is_not_found_for_the_public(council, secretary, api_client):
    # given
    draft = report_create(
        actor=secretary, council=council, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)
    )

    # when
    response = api_client.get(f"{API}/reports/{draft.pk}/export.csv", {"table": "goals"})

    # then
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
