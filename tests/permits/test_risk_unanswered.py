"""Leaving an optional risk question unanswered never lowers the tier (issue 11, item 8).

The demo's concert notification asks "are minors involved?" optionally, and a "yes" raises it to
medium. Before, leaving it out made the concert low tier and issued the permit at once; now the
unanswered question counts as the answer that raises the tier, and the reasons say so.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from demo.seed import Seeder
from permits.models import Application, Permit
from tests.factories import EntrepreneurFactory
from tests.permits.factories import pdf_file

pytestmark = pytest.mark.django_db

APPLICATIONS = "/api/v1/applications/"
# A Wednesday, 10:30 in Almaty.
NOW = dt.datetime(2026, 9, 16, 5, 30, tzinfo=dt.UTC)
MINORS_NOTE = (
    "minors_involved: not answered, counted as the answer that raises the tier to medium (Minors involved)."
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def demo_catalogue():
    """The demo's authorities, officials, catalogue and risk rules v1 (no history)."""
    seeder = Seeder(out=lambda line: None)
    for step in (seeder.activities, seeder.authorities, seeder.catalogue):
        step()


@pytest.fixture
def organiser():
    return EntrepreneurFactory()


def submit_concert(client, user, answers: dict) -> dict:
    business = user.memberships.get().business
    created = client.post(
        APPLICATIONS,
        {"business": business.pk, "licence_type": "concert-notification", "answers": answers},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    upload = client.post(
        f"{APPLICATIONS}{pk}/documents/",
        {"requirement": "registration-certificate", "file": pdf_file("registration.pdf")},
        format="multipart",
    )
    assert upload.status_code == 201, upload.json()
    response = client.post(f"{APPLICATIONS}{pk}/submit/")
    assert response.status_code == 200, response.json()
    return response.json()


@time_machine.travel(NOW, tick=False)
def test_a_concert_without_the_minors_answer_is_not_issued_at_once(demo_catalogue, organiser, client_for):
    # given: an organiser's concert, small, indoor, "are minors involved?" left out
    client = client_for(organiser)
    answers = {"project_title": "Almaty Jazz Nights", "expected_attendance": 300, "venue_type": "indoor"}

    # when
    body = submit_concert(client, organiser, answers)

    # then: medium, under review, no permit; the applicant is told the silence counted as a "yes"
    assert body["risk_tier"] == "medium"
    assert body["status"] == "in_review"
    assert body["permit"] is None
    assert body["risk_reasons"][1:] == [MINORS_NOTE]
    assert not Permit.objects.filter(application_id=body["id"]).exists()
    assert Application.objects.get(pk=body["id"]).risk_reasons[-1] == MINORS_NOTE


@time_machine.travel(NOW, tick=False)
def test_a_concert_answering_no_minors_is_low_and_issued_at_once(demo_catalogue, organiser, client_for):
    # given: the same concert with the question answered "no"
    client = client_for(organiser)
    answers = {
        "project_title": "Almaty Jazz Nights",
        "expected_attendance": 300,
        "venue_type": "indoor",
        "minors_involved": False,
    }

    # when
    body = submit_concert(client, organiser, answers)

    # then: low, accepted with its permit, and only the base reason
    assert body["risk_tier"] == "low"
    assert body["status"] == "approved"
    assert body["permit"] is not None
    assert len(body["risk_reasons"]) == 1
    assert "not answered" not in body["risk_reasons"][0]


@time_machine.travel(NOW, tick=False)
def test_a_concert_answering_yes_gives_the_rule_reason_not_the_unanswered_note(
    demo_catalogue, organiser, client_for
):
    # given: minors answered "yes"
    client = client_for(organiser)
    answers = {
        "project_title": "Almaty Jazz Nights",
        "expected_attendance": 300,
        "venue_type": "indoor",
        "minors_involved": True,
    }

    # when
    body = submit_concert(client, organiser, answers)

    # then
    assert body["risk_tier"] == "medium"
    assert body["risk_reasons"][1:] == ["Minors involved"]
