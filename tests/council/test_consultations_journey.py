"""The journey the issue names, through the API only: a draft is written and opened, two
entrepreneurs comment, publishing is refused while comments wait for answers, the council answers,
the outcome is published, and the public reads it and downloads the comments as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine

from council.errors import CouncilErrorCode
from council.models import CouncilRole
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.council.consultations_factories import seat
from tests.factories import ActivityCategoryFactory, CouncilFactory, EntrepreneurFactory, UserFactory
from tests.permits.factories import LegalActFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/council"
START = dt.datetime(2026, 4, 6, 4, 0, tzinfo=dt.UTC)  # Monday 6 April 2026, 09:00 in Almaty


def test_draft_to_published_outcome_through_the_api(api_client, client_for):
    # given: a council with its secretary and a member, a follower, and two entrepreneurs
    council = CouncilFactory(name="National Council for Creative Industries")
    secretary = seat(council, CouncilRole.SECRETARY)
    member = seat(council, CouncilRole.MEMBER)
    design = ActivityCategoryFactory(code="design")
    act = LegalActFactory(code="permits-and-notifications")
    aigerim, daniyar = EntrepreneurFactory(first_name="Aigerim"), EntrepreneurFactory(first_name="Daniyar")
    studio = aigerim.memberships.get().business
    studio.activity = design
    studio.save(update_fields=["activity"])
    follower = UserFactory()
    officer, council_member = client_for(secretary), client_for(member)
    aigerim_api, daniyar_api = client_for(aigerim), client_for(daniyar)
    client_for(follower).post(f"{API}/councils/{council.pk}/subscription/")

    with time_machine.travel(START, tick=False):
        # when: the secretary writes the draft
        created = officer.post(
            f"{API}/consultations/",
            {
                "council": council.pk,
                "title": "Small creative studios: notification instead of a permit",
                "summary": "Draft amendments moving studios of up to 15 people to notification.",
                "legal_act": act.code,
                "activities": ["design"],
                "sections": [
                    {"number": "1", "heading": "Scope", "text": "Studios of up to 15 employees."},
                    {"number": "2", "heading": "Notification", "text": "They notify before starting work."},
                ],
                "opens_at": "2026-04-10T09:00:00+05:00",
                "closes_at": "2026-05-01T18:00:00+05:00",
            },
            format="json",
        )
        consultation = created.json()
        url = f"{API}/consultations/{consultation['id']}"

        # then: a draft, unseen by the public
        assert created.status_code == 201, consultation
        assert (consultation["status"], consultation["current_version"]) == ("draft", 1)
        assert [s["number"] for s in consultation["sections"]] == ["1", "2"]
        assert api_client.get(f"{url}/").status_code == 404

        # when: the secretary opens it ahead of time
        opened = officer.post(f"{url}/open/")

        # then: it is open, the opening moved to now, and the follower and the design studio were told
        assert opened.status_code == 200, opened.json()
        assert opened.json()["status"] == "open"
        assert opened.json()["opens_at"] == opened.json()["opened_at"]
        told = set(
            Notification.objects.filter(event="council.consultation_opened", channel="in_app").values_list(
                "recipient", flat=True
            )
        )
        assert told == {follower.pk, aigerim.pk}

    with time_machine.travel(START + dt.timedelta(days=2), tick=False):
        # when: two entrepreneurs comment, one on behalf of her business
        first = aigerim_api.post(
            f"{url}/comments/",
            {
                "section": "1",
                "body": "Raise the threshold to 25.",
                "business": studio.pk,
            },
            format="json",
        )
        second = daniyar_api.post(
            f"{url}/comments/", {"section": "2", "body": "Keep a paper option."}, format="json"
        )

        # then: both are written; while open, the public sees none of them
        assert (first.status_code, second.status_code) == (201, 201), (first.json(), second.json())
        assert first.json()["business"]["id"] == studio.pk
        assert api_client.get(f"{url}/comments/").json()["count"] == 0
        assert council_member.get(f"{url}/comments/").json()["count"] == 2

    with time_machine.travel(START + dt.timedelta(days=5), tick=False):
        # when: the secretary closes it and tries to publish at once
        assert officer.post(f"{url}/close/").json()["status"] == "closed"
        refused = officer.post(f"{url}/publish-outcome/", {"summary": "Accepted in part."}, format="json")

        # then: refused, naming the unanswered comments
        ids = sorted([str(first.json()["id"]), str(second.json()["id"])])
        assert refused.status_code == 409
        assert refused.json()["code"] == CouncilErrorCode.UNANSWERED_COMMENTS
        assert sorted(refused.json()["fields"]["comments"]) == ids

        # when: a member answers both, and the secretary publishes
        answered = [
            council_member.post(
                f"{API}/comments/{first.json()['id']}/respond/",
                {"disposition": "partly_accepted", "reason": "The threshold goes to 20."},
                format="json",
            ),
            council_member.post(
                f"{API}/comments/{second.json()['id']}/respond/",
                {"disposition": "rejected", "reason": "The portal is the only channel by law."},
                format="json",
            ),
        ]
        published = officer.post(
            f"{url}/publish-outcome/", {"summary": "Threshold raised to 20."}, format="json"
        )

    # then: answered and published
    assert [r.status_code for r in answered] == [200, 200]
    assert published.status_code == 200, published.json()

    # when: the public reads the outcome and the comments, and downloads the CSV
    detail = api_client.get(f"{url}/")
    comments = api_client.get(f"{url}/comments/")
    export = api_client.get(f"{url}/export.csv")

    # then: "you said, we did", in the detail and the CSV
    outcome = detail.json()["outcome"]
    assert detail.json()["status"] == "outcome_published"
    assert (outcome["summary"], outcome["final_version"]) == ("Threshold raised to 20.", 1)
    assert [(a["body"], a["response"]["disposition"]) for a in outcome["answers"]] == [
        ("Raise the threshold to 25.", "partly_accepted"),
        ("Keep a paper option.", "rejected"),
    ]
    assert comments.json()["count"] == 2
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert 'filename="consultation-' in export["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [(r["section"], r["disposition"], r["reason"]) for r in rows] == [
        ("1", "partly_accepted", "The threshold goes to 20."),
        ("2", "rejected", "The portal is the only channel by law."),
    ]
    assert rows[0]["business"] == studio.name
    # every commenter and the follower heard of the outcome; each author of an answer
    told = Notification.objects.filter(event="council.outcome_published", channel="in_app")
    assert set(told.values_list("recipient", flat=True)) == {aigerim.pk, daniyar.pk, follower.pk}
    answered_to = Notification.objects.filter(event="council.comment_answered", channel="in_app")
    assert sorted(answered_to.values_list("recipient", flat=True)) == sorted([aigerim.pk, daniyar.pk])
    # and every step left its audit event
    actions = list(
        AuditEvent.objects.filter(action__startswith="council.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "council.subscribed",
        "council.consultation_created",
        "council.consultation_opened",
        "council.comment_posted",
        "council.comment_posted",
        "council.consultation_closed",
        "council.comment_answered",
        "council.comment_answered",
        "council.outcome_published",
    ]
