"""The authority's side end to end, over HTTP, on the demo data: fair assignment, an information
request that stops the clock, four eyes on a high-risk licence, a reasoned rejection, and a
suspension that public verification shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from permits.errors import PermitErrorCode
from permits.models import Review
from tests.permits.factories import pdf_file
from tests.permits.test_journey import answers_for, login

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.datetime(2026, 11, 25, 5, 0, tzinfo=dt.UTC)  # 10:00 in Almaty


@pytest.fixture
def clock(time_machine):
    """The whole test, fixture included, runs on one clock: seeded on a Wednesday, later days
    reached with `clock.move_to`, so nothing it does depends on the real date."""
    time_machine.move_to(WEDNESDAY, tick=False)
    return time_machine


@pytest.fixture
def submitted(settings, clock):
    """daniyar's recording studio: every licence type it needs, submitted in one bundle."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PORTAL_POST_CHECK_SHARE = 0.0
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client = login("daniyar")
    business = client.get("/api/v1/me/").json()["businesses"][0]["id"]
    items = client.get("/api/v1/catalogue/finder/", {"activity": "music-recording"}).json()["results"]
    bundle = client.post(
        "/api/v1/bundles/",
        {
            "business": business,
            "licence_types": [i["code"] for i in items],
            "answers": answers_for(items),
        },
        format="json",
    ).json()
    for code in sorted({d["code"] for i in items for d in i["required_documents"]}):
        client.post(
            f"/api/v1/bundles/{bundle['id']}/documents/",
            {"requirement": code, "file": pdf_file()},
            format="multipart",
        )
    body = client.post(f"/api/v1/bundles/{bundle['id']}/submit/").json()
    return {a["licence_type"]: a for a in body["applications"]}


def test_files_are_assigned_to_the_least_loaded_eligible_official(submitted):
    # then: medium files go to a medium-cleared reviewer, high ones to a senior; nobody hand-picks
    for application in submitted.values():
        if application["risk_tier"] == "low":
            assert application["assigned_to"] is None
            continue
        assert application["status"] == "in_review"
        assert application["assigned_to"].split("-")[-1] in {"reviewer", "senior1", "senior2"}
        if application["risk_tier"] == "high":
            assert application["assigned_to"].endswith(("senior1", "senior2"))


def test_high_risk_needs_two_different_officials(submitted, clock):
    # given: a high-risk licence in its first review
    high = next(a for a in submitted.values() if a["risk_tier"] == "high")

    # when: the first official approves the next morning
    clock.move_to(WEDNESDAY + dt.timedelta(days=1), tick=False)
    first = login(high["assigned_to"])
    response = first.post(
        f"/api/v1/applications/{high['id']}/decide/",
        {"decision": "approve", "reason": "Staff and premises fit."},
    )

    # then: a second, different official cleared for high now holds it; nothing is issued yet
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "second_review"
    assert body["permit"] is None
    second_name = body["assigned_to"]
    assert second_name != high["assigned_to"]
    assert second_name.endswith(("senior1", "senior2"))

    # and: the first official cannot approve it again
    again = first.post(
        f"/api/v1/applications/{high['id']}/decide/", {"decision": "approve", "reason": "Again."}
    )
    assert again.status_code == 403
    assert again.json()["code"] == PermitErrorCode.FOUR_EYES

    # when: the second official approves
    clock.move_to(WEDNESDAY + dt.timedelta(days=2), tick=False)
    final = login(second_name).post(
        f"/api/v1/applications/{high['id']}/decide/", {"decision": "approve", "reason": "Confirmed."}
    )

    # then: the permit is issued, and two reviews record who decided what and why
    assert final.status_code == 200, final.json()
    assert final.json()["status"] == "approved"
    assert final.json()["permit"]["status"] == "active"
    stages = list(
        Review.objects.filter(application_id=high["id"]).values_list("stage", "reviewer__username", "reason")
    )
    assert stages == [
        ("first", high["assigned_to"], "Staff and premises fit."),
        ("second", second_name, "Confirmed."),
    ]


def test_an_information_request_stops_the_clock(submitted, clock):
    # given
    medium = next(a for a in submitted.values() if a["risk_tier"] == "medium")
    due = dt.datetime.fromisoformat(medium["due_at"])

    # when: the official asks on Thursday; the applicant answers the next Tuesday (3 working days later)
    clock.move_to(WEDNESDAY + dt.timedelta(days=1), tick=False)
    asked = login(medium["assigned_to"]).post(
        f"/api/v1/applications/{medium['id']}/request-info/", {"message": "Send the lease."}
    )
    clock.move_to(WEDNESDAY + dt.timedelta(days=6), tick=False)
    applicant = login("daniyar")
    answered = applicant.post(
        f"/api/v1/applications/{medium['id']}/resubmit/", {"message": "Lease attached."}
    )
    # the applicant reads the thread that day too: the token was issued on this clock
    thread = applicant.get(f"/api/v1/applications/{medium['id']}/messages/")

    # then
    assert asked.status_code == 200, asked.json()
    assert asked.json()["status"] == "info_requested"
    assert asked.json()["stage"] == "awaiting_applicant"
    assert answered.status_code == 200, answered.json()
    assert answered.json()["status"] == "in_review"
    # paused Thursday to Tuesday: Friday, Monday and Tuesday did not count, so Wed 9 Dec becomes Mon 14 Dec
    assert due == dt.datetime.fromisoformat("2026-12-09T10:00:00+05:00")
    assert dt.datetime.fromisoformat(answered.json()["due_at"]) == dt.datetime.fromisoformat(
        "2026-12-14T10:00:00+05:00"
    )
    assert thread.status_code == 200, thread.json()
    assert [m["body"] for m in thread.json()["results"]] == ["Send the lease.", "Lease attached."]


def test_a_rejection_names_its_basis_and_a_permit_can_be_suspended(submitted, clock):
    # given
    medium = next(a for a in submitted.values() if a["risk_tier"] == "medium")
    official = login(medium["assigned_to"])
    low = next(a for a in submitted.values() if a["risk_tier"] == "low")

    # when: a rejection without a basis, then with one
    bare = official.post(
        f"/api/v1/applications/{medium['id']}/decide/", {"decision": "reject", "reason": "No."}
    )
    rejected = official.post(
        f"/api/v1/applications/{medium['id']}/decide/",
        {"decision": "reject", "reason": "The lease has expired.", "requirement": "premises-lease"},
    )

    # then
    assert bare.status_code == 400
    assert bare.json()["code"] == PermitErrorCode.BASIS_REQUIRED
    assert rejected.status_code == 200, rejected.json()
    assert rejected.json()["status"] == "rejected"
    assert "The lease has expired." in rejected.json()["decision_reason"]

    # when: an official of the issuing authority suspends the low-risk permit
    number = low["permit"]["number"]
    authority = number.split("-")[1].lower()
    suspended = login(f"{authority}-reviewer").post(
        f"/api/v1/permits/{number}/suspend/", {"reason": "Complaint about noise under review."}
    )

    # then: public verification shows it
    assert suspended.status_code == 200, suspended.json()
    public = login("daniyar").get(
        f"/api/v1/public/permits/{number}/", {"code": low["permit"]["verification_code"]}
    )
    assert public.json()["status"] == "suspended"
