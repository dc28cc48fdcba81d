"""The entrepreneur's journey end to end, over HTTP: from "I want to open a recording studio" to
holding every permit that needs no review and having every other one under review, in one sitting,
giving each document once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.test import APIClient

from permits.models import Application, Document, Permit
from portal.accounts.models import User
from tests.permits.factories import pdf_file

pytestmark = pytest.mark.django_db

SAMPLE_ANSWER = {"boolean": False, "integer": 40, "string": "Dala Sessions"}


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def login(username: str) -> APIClient:
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": username, "password": "portal-demo"}).json()[
        "token"
    ]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def answers_for(items: list[dict]) -> dict:
    """One answer per question key across all licence types: asked once even when several ask it."""
    answers = {}
    for item in items:
        for question in item["questions"]:
            value = (
                question["choices"][0] if question["type"] == "choice" else SAMPLE_ANSWER[question["type"]]
            )
            answers.setdefault(question["key"], value)
    return answers


@time_machine.travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC), tick=False)
def test_recording_studio_gets_every_permit_in_one_sitting(demo):
    # given: daniyar, who owns a music company, and the public finder
    client = login("daniyar")
    business = client.get("/api/v1/me/").json()["businesses"][0]
    found = (
        APIClient().get("/api/v1/catalogue/finder/", {"activity": "music-recording", "page_size": 100}).json()
    )
    items = found["results"]
    codes = [item["code"] for item in items]
    assert len(codes) >= 3
    assert {item["risk_tier"] for item in items} >= {"low"}
    assert len({item["authority"]["code"] for item in items}) >= 2

    # when: one bundle for everything the activity needs, each question answered once
    response = client.post(
        "/api/v1/bundles/",
        {"business": business["id"], "licence_types": codes, "answers": answers_for(items)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    bundle = response.json()
    assert bundle["status"] == "draft"
    assert [a["licence_type"] for a in bundle["applications"]] == codes

    # and: each required document given once, to the bundle
    required = sorted({doc["code"] for item in items for doc in item["required_documents"]})
    for code in required:
        upload = client.post(
            f"/api/v1/bundles/{bundle['id']}/documents/",
            {"requirement": code, "file": pdf_file(f"{code}.pdf")},
            format="multipart",
        )
        assert upload.status_code == 201, upload.json()
    assert Document.objects.filter(business_id=business["id"]).count() == len(required)

    # and: all submitted at once
    submitted = client.post(f"/api/v1/bundles/{bundle['id']}/submit/")

    # then: low tier holds its permit now; medium and high are under review with a due date
    assert submitted.status_code == 200, submitted.json()
    body = submitted.json()
    assert body["status"] in {"in_review", "all_issued"}
    by_tier = {}
    for application in body["applications"]:
        by_tier.setdefault(application["risk_tier"], []).append(application)
        assert application["submitted_at"] is not None
    assert by_tier["low"], "the activity needs at least one notification"
    for application in by_tier["low"]:
        assert application["status"] == "approved"
        assert application["stage"] == "decided"
        permit = application["permit"]
        assert permit["number"].startswith(
            f"KZ-{items[codes.index(application['licence_type'])]['authority']['code'].upper()}-2026-"
        )
        assert len(permit["verification_code"]) >= 10
        # anyone can verify it, with the code printed on it
        public = APIClient().get(
            f"/api/v1/public/permits/{permit['number']}/", {"code": permit["verification_code"]}
        )
        assert public.status_code == 200
        assert public.json()["holder"] == "Dala Sound LLP"
        assert public.json()["status"] == "active"
    reviewed = [a for tier in ("medium", "high") for a in by_tier.get(tier, [])]
    assert reviewed, "the activity needs at least one reviewed permit"
    for application in reviewed:
        # assigned at once to an official of the authority cleared for the tier
        assert application["status"] == "in_review"
        assert application["stage"] in {"review", "first_review"}
        assert application["assigned_to"]
        assert application["permit"] is None
        assert application["due_at"] is not None
        assert application["due_at"] > application["submitted_at"]

    # and: what was given once serves every application that required it
    for application in Application.objects.filter(bundle_id=bundle["id"]):
        needed = set(application.licence_type.required_documents.values_list("code", flat=True))
        given = set(application.document_links.values_list("requirement__code", flat=True))
        assert needed == given

    # and: the holder lists the permits, and another entrepreneur sees none of them
    mine = client.get("/api/v1/permits/").json()
    assert mine["count"] == Permit.objects.filter(holder_id=business["id"]).count() == len(by_tier["low"])
    assert login("aigerim").get("/api/v1/permits/").json()["count"] == 0
    assert User.objects.get(username="daniyar").notifications.filter(
        channel="in_app", event="permit.issued"
    ).count() == len(by_tier["low"])
