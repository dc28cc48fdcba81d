"""Strict inputs: what the schema says is what the server takes (issue 13).

A malformed query value on a documented parameter is a 400 naming it; a JSON body must carry the
types the schema states (no number for a string, no "yes" for a boolean); PATCH takes any subset
of fields; and the constraints the server enforces (non-blank text, at least one item, decimals,
bounds) are written in the schema.
"""

from __future__ import annotations

import inspect

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from council.api.concerns import ConcernCreateInput, ConcernRespondInput
from council.api.consultations import serializers as consultation_serializers
from council.api.reports import serializers as report_serializers
from permits.api import serializers as permit_serializers
from portal.accounts.api.serializers import TokenInput
from portal.api.inputs import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDecimalField,
    StrictIntegerField,
)
from portal.notifications.api.views import DigestSerializer, PreferenceSerializer, WebhookInput
from tests.council.consultations_factories import ConsultationFactory, comment_on, officer_of
from tests.factories import ActivityCategoryFactory, ApiClientFactory, CouncilFactory
from tests.permits.factories import ApplicationFactory, DraftApplicationFactory, official_for

pytestmark = pytest.mark.django_db

BAD_PAGE_SIZES = ["abc", "", "0", "-1", "1.5", "1e2", "null", "true", "101", "9" * 40]
BAD_PAGES = ["abc", "", "0", "-1", "1.5", "1e2", "null", "last", "9" * 40]


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def paginated_lists(schema) -> list[str]:
    return sorted(
        path
        for path, operations in schema["paths"].items()
        if any(p["name"] == "page_size" for p in operations.get("get", {}).get("parameters", []))
    )


# Who reaches each paginated list.
LIST_CALLERS = {
    "/api/v1/applications/": "applicant",
    "/api/v1/applications/{id}/documents/": "applicant",
    "/api/v1/applications/{id}/messages/": "applicant",
    "/api/v1/applications/{id}/notes/": "official",
    "/api/v1/catalogue/activities/": "anyone",
    "/api/v1/catalogue/finder/": "anyone",
    "/api/v1/catalogue/licence-types/": "anyone",
    "/api/v1/council/concerns/": "applicant",
    "/api/v1/council/consultations/": "anyone",
    "/api/v1/council/consultations/{id}/comments/": "anyone",
    "/api/v1/council/councils/": "anyone",
    "/api/v1/council/goals/": "anyone",
    "/api/v1/council/reports/": "anyone",
    "/api/v1/notifications/": "applicant",
    "/api/v1/notifications/preferences/": "applicant",
    "/api/v1/permits/": "applicant",
    "/api/v1/review/conflicts/": "official",
    "/api/v1/review/queue/": "official",
    "/api/v1/webhooks/": "api_client",
}


class Callers:
    """One caller per list, able to reach its pagination: an applicant with a submitted file, the
    official reviewing it, an API client, anyone for the public lists."""

    def __init__(self, client_for):
        self.application = ApplicationFactory(submitted=True)
        self.applicant = client_for(self.application.created_by)
        self.official = client_for(official_for(self.application))
        self.api_client = client_for(ApiClientFactory().user)
        self.anyone = client_for(None)
        self.activity = ActivityCategoryFactory()
        self.consultation = ConsultationFactory(published=True)

    def get(self, path: str, query: dict):
        app, consultation = self.application.pk, self.consultation.pk
        url = path.replace("{id}", str(consultation if "consultations" in path else app))
        if path.endswith("/finder/"):
            query = {"activity": self.activity.code, **query}
        return getattr(self, LIST_CALLERS[path]).get(url, query)


@pytest.fixture
def callers(client_for) -> Callers:
    return Callers(client_for)


def test_the_table_covers_every_paginated_list(schema):
    # then: a new list joins the table below (and the assertion names it)
    assert paginated_lists(schema) == sorted(LIST_CALLERS)
    assert len(LIST_CALLERS) == 19


@pytest.mark.parametrize("path", sorted(LIST_CALLERS))
def test_a_bad_page_or_page_size_is_a_400_naming_it_on_every_list(callers, path):
    # given: the caller reaches the list
    assert callers.get(path, {"page_size": "5"}).status_code == 200

    for name, values in (("page_size", BAD_PAGE_SIZES), ("page", BAD_PAGES)):
        for value in values:
            # when
            response = callers.get(path, {name: value})

            # then
            assert response.status_code == 400, (path, name, value, response.status_code)
            body = response.json()
            assert body["code"] == "invalid"
            assert set(body["fields"]) == {name}, (path, name, value, body)

    # and a page past the last one is still a 404
    assert callers.get(path, {"page": "999999"}).status_code == 404


@pytest.mark.parametrize(
    ("path", "query", "caller"),
    [
        ("/api/v1/notifications/", {"unread": "yes"}, "applicant"),
        ("/api/v1/notifications/", {"unread": ""}, "applicant"),
        ("/api/v1/notifications/", {"unread": "True"}, "applicant"),
        ("/api/v1/review/queue/", {"tier": ""}, "official"),
        ("/api/v1/review/queue/", {"assigned": ""}, "official"),
        ("/api/v1/council/reports/", {"council": "1.0"}, "anyone"),
        ("/api/v1/council/reports/", {"council": "²"}, "anyone"),
        ("/api/v1/council/goals/", {"council": "0"}, "anyone"),
        ("/api/v1/council/consultations/", {"council": "abc"}, "anyone"),
        ("/api/v1/council/consultations/", {"status": ""}, "anyone"),
        ("/api/v1/council/concerns/", {"overdue": "1"}, "applicant"),
        ("/api/v1/catalogue/licence-types/", {"kind": ""}, "anyone"),
        ("/api/v1/catalogue/calendar/", {"year": "1990"}, "anyone"),
        ("/api/v1/catalogue/calendar/", {"year": " 2026"}, "anyone"),
    ],
)
def test_a_bad_hand_read_or_filter_value_is_a_400_naming_it(callers, path, query, caller):
    # when
    response = getattr(callers, caller).get(path, query)

    # then
    assert response.status_code == 400, response.content
    assert set(response.json()["fields"]) == set(query)


@pytest.mark.parametrize("value", ["true", "1", "false", "0"])
def test_unread_takes_true_false_1_or_0(callers, value):
    # when
    response = callers.applicant.get("/api/v1/notifications/", {"unread": value})

    # then
    assert response.status_code == 200


# --- JSON bodies carry the types the schema states ------------------------------------------


def input_serializers() -> list[type[serializers.Serializer]]:
    found = {
        obj
        for module in (permit_serializers, consultation_serializers, report_serializers)
        for _name, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, serializers.Serializer) and obj.__name__.endswith("Input")
    }
    found |= {ConcernCreateInput, ConcernRespondInput, TokenInput, DigestSerializer, PreferenceSerializer}
    found |= {WebhookInput}
    return sorted(found, key=lambda cls: cls.__name__)


LOOSE = {
    serializers.CharField: StrictCharField,
    serializers.ChoiceField: StrictChoiceField,
    serializers.BooleanField: StrictBooleanField,
    serializers.IntegerField: StrictIntegerField,
    serializers.DecimalField: StrictDecimalField,
}


def _loose_fields(serializer, prefix="") -> list[str]:
    loose = []
    for name, field in serializer.fields.items():
        child = getattr(field, "child", None)
        for inner in (field, child):
            if inner is None:
                continue
            if isinstance(inner, serializers.Serializer):
                loose += _loose_fields(inner, f"{prefix}{name}.")
                continue
            if isinstance(inner, serializers.URLField):  # a URL refuses a number as no URL
                continue
            for drf, strict in LOOSE.items():
                if type(inner) is not strict and isinstance(inner, drf) and not isinstance(inner, strict):
                    loose.append(f"{prefix}{name}")
    return loose


@pytest.mark.parametrize("serializer_class", input_serializers(), ids=lambda cls: cls.__name__)
def test_every_input_serializer_uses_the_strict_fields(serializer_class):
    # then
    assert _loose_fields(serializer_class()) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (StrictCharField(), 5),
        (StrictCharField(), 1.5),
        (StrictCharField(), True),
        (StrictChoiceField(choices=["1", "2"]), 1),
        (StrictBooleanField(), "true"),
        (StrictBooleanField(), 1),
        (StrictBooleanField(), "yes"),
        (StrictIntegerField(), "7"),
        (StrictIntegerField(), 7.0),
        (StrictIntegerField(), True),
        (StrictDecimalField(max_digits=14, decimal_places=2), 1.5),
        (StrictDecimalField(max_digits=14, decimal_places=2), ""),
        (StrictDecimalField(max_digits=14, decimal_places=2), "1e3"),
        (StrictDecimalField(max_digits=14, decimal_places=2), " 1"),
        (StrictDecimalField(max_digits=14, decimal_places=2), "1."),
        (StrictDecimalField(max_digits=14, decimal_places=2), "1.234"),
    ],
)
def test_a_strict_field_refuses_another_json_type(field, value):
    # when / then
    with pytest.raises(serializers.ValidationError):
        field.run_validation(value)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (StrictCharField(), "text", "text"),
        (StrictChoiceField(choices=["a"]), "a", "a"),
        (StrictBooleanField(), False, False),
        (StrictIntegerField(), 7, 7),
        (StrictDecimalField(max_digits=14, decimal_places=2), "-12.5", "-12.50"),
    ],
)
def test_a_strict_field_takes_its_own_json_type(field, value, expected):
    # when
    result = field.run_validation(value)

    # then
    assert str(result) == str(expected)


def test_a_number_for_a_string_field_is_a_400_naming_it(client_for):
    # given
    draft = DraftApplicationFactory()
    client = client_for(draft.created_by)

    # when
    message = client.post(f"/api/v1/applications/{draft.pk}/messages/", {"body": 5}, format="json")
    create = client.post(
        "/api/v1/applications/",
        {"business": str(draft.business_id), "licence_type": draft.licence_type.code},
        format="json",
    )
    digest = client.post("/api/v1/notifications/digest/", {"daily_digest": "yes"}, format="json")

    # then
    assert message.status_code == 400 and set(message.json()["fields"]) == {"body"}
    assert create.status_code == 400 and set(create.json()["fields"]) == {"business"}
    assert digest.status_code in (400, 405)
    if digest.status_code == 400:
        assert set(digest.json()["fields"]) == {"daily_digest"}


# --- PATCH is partial -------------------------------------------------------------------------


def test_a_patch_takes_any_subset_of_fields(client_for):
    # given
    draft = DraftApplicationFactory()
    consultation = ConsultationFactory()
    officer = client_for(officer_of(consultation.council))
    comment = comment_on(ConsultationFactory(open=True))

    # when
    application = client_for(draft.created_by).patch(f"/api/v1/applications/{draft.pk}/", {}, format="json")
    edited = officer.patch(f"/api/v1/council/consultations/{consultation.pk}/", {}, format="json")
    comment_edit = client_for(comment.author).patch(
        f"/api/v1/council/comments/{comment.pk}/", {}, format="json"
    )

    # then
    assert application.status_code == 200, application.content
    assert application.json()["answers"] == draft.answers
    assert edited.status_code == 200, edited.content
    assert comment_edit.status_code == 200, comment_edit.content
    assert comment_edit.json()["body"] == comment.body


def test_no_patch_body_requires_a_field(schema):
    # then
    patched = {
        name: component
        for name, component in schema["components"]["schemas"].items()
        if name.startswith("Patched")
    }
    assert patched
    assert {name: component.get("required") for name, component in patched.items()} == {
        name: None for name in patched
    }


# --- the schema states what the server refuses ------------------------------------------------


def test_the_schema_carries_the_server_constraints(schema):
    # given
    components = schema["components"]["schemas"]
    consultation = components["ConsultationCreateInputRequest"]["properties"]
    goal = components["GoalCreateInputRequest"]["properties"]
    page_size = next(
        p for p in schema["paths"]["/api/v1/permits/"]["get"]["parameters"] if p["name"] == "page_size"
    )

    # then
    assert consultation["sections"]["minItems"] == 1
    assert consultation["title"]["minLength"] == 1 and consultation["title"]["pattern"] == r"\S"
    assert goal["baseline"]["type"] == "string"
    assert goal["baseline"]["pattern"] == StrictDecimalField(max_digits=14, decimal_places=2).pattern
    assert "enum" in goal["metric"] or "$ref" in goal["metric"] or "allOf" in goal["metric"]
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}


def test_an_empty_section_list_is_refused_as_the_schema_says(client_for):
    # given
    council = CouncilFactory()
    officer = client_for(officer_of(council))

    # when
    response = officer.post(
        "/api/v1/council/consultations/",
        {
            "council": council.pk,
            "title": "A title",
            "summary": "A summary",
            "sections": [],
            "opens_at": "2030-01-01T09:00:00+05:00",
            "closes_at": "2030-02-01T09:00:00+05:00",
        },
        format="json",
    )

    # then
    assert response.status_code == 400
    assert "sections" in response.json()["fields"]
