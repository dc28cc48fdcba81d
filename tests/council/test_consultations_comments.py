"""Comments and answers: who sees them when, editing until close, answering and re-answering, and
the notifications each step writes."""

from __future__ import annotations

import pytest

from council.errors import CouncilErrorCode
from council.models import CommentResponse, CouncilRole, Disposition
from council.services import consultations as services
from portal.api.errors import Forbidden, InvalidState, ValidationFailed
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.council.consultations_factories import (
    ConsultationFactory,
    answer,
    close,
    comment_on,
    officer_of,
    seat,
)
from tests.factories import (
    ActivityCategoryFactory,
    ApiClientFactory,
    CouncilFactory,
    EntrepreneurFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/council"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [c["id"] for c in response.json()["results"]]


# --- visibility ----------------------------------------------------------------------------------


def test_while_open_each_author_sees_only_their_own(client_for, api_client):
    # given
    consultation = ConsultationFactory(open=True)
    alice, bob = EntrepreneurFactory(), EntrepreneurFactory()
    mine, theirs = comment_on(consultation, author=alice), comment_on(consultation, author=bob)
    member = seat(consultation.council)
    url = f"{API}/consultations/{consultation.pk}/comments/"

    # when
    seen = {
        "alice": ids(client_for(alice).get(url)),
        "member": ids(client_for(member).get(url)),
        "public": ids(api_client.get(url)),
    }

    # then
    assert seen == {"alice": [mine.pk], "member": [mine.pk, theirs.pk], "public": []}


def test_comments_are_public_at_once_when_the_council_says_so(api_client):
    # given
    consultation = ConsultationFactory(open=True, comments_public_while_open=True)
    comment = comment_on(consultation)

    # when
    seen = ids(api_client.get(f"{API}/consultations/{consultation.pk}/comments/"))

    # then
    assert seen == [comment.pk]


def test_comments_become_public_when_the_consultation_closes(api_client):
    # given
    consultation = ConsultationFactory(open=True)
    comment = comment_on(consultation)
    url = f"{API}/consultations/{consultation.pk}/comments/"
    before = ids(api_client.get(url))

    # when
    close(consultation)

    # then
    assert (before, ids(api_client.get(url))) == ([], [comment.pk])


def test_the_public_never_sees_a_draft(api_client, client_for):
    # given
    consultation = ConsultationFactory()
    listed = api_client.get(f"{API}/consultations/").json()

    # when
    anonymous = api_client.get(f"{API}/consultations/{consultation.pk}/")
    foreign = client_for(seat(ConsultationFactory().council)).get(f"{API}/consultations/{consultation.pk}/")

    # then
    assert listed["count"] == 0
    assert (anonymous.status_code, foreign.status_code) == (404, 404)


# --- writing and editing -------------------------------------------------------------------------


def test_a_comment_lands_on_the_current_version():
    # given: an open consultation whose text got a second version with a new section 4
    consultation = ConsultationFactory(open=True)
    services.consultation_version_add(
        actor=officer_of(consultation.council),
        consultation_id=consultation.pk,
        sections=[{"number": "1", "text": "Scope."}, {"number": "4", "text": "Transition period."}],
    )

    # when
    comment = comment_on(consultation, section="4")
    with pytest.raises(ValidationFailed) as gone:
        comment_on(consultation, section="2")  # only in version 1

    # then
    assert (comment.section.number, comment.section.version.number) == ("4", 2)
    assert list(gone.value.fields) == ["section"]


def test_a_business_must_be_one_the_author_acts_for():
    # given
    consultation = ConsultationFactory(open=True)
    author, stranger = EntrepreneurFactory(), EntrepreneurFactory()
    client_user = ApiClientFactory(business=author.memberships.get().business).user

    # when
    own = comment_on(consultation, author=author, business=author.memberships.get().business)
    as_client = comment_on(consultation, author=client_user, business=author.memberships.get().business)
    with pytest.raises(ValidationFailed) as refused:
        comment_on(consultation, author=author, business=stranger.memberships.get().business)

    # then
    assert own.business == as_client.business == author.memberships.get().business
    assert list(refused.value.fields) == ["business"]


def test_only_the_author_edits_and_only_until_close(client_for):
    # given
    consultation = ConsultationFactory(open=True, comments_public_while_open=True)
    author, other = EntrepreneurFactory(), EntrepreneurFactory()
    comment = comment_on(consultation, author=author)
    url = f"{API}/comments/{comment.pk}/"

    # when
    edited = client_for(author).patch(url, {"body": "Better wording."}, format="json")
    by_other = client_for(other).patch(url, {"body": "Vandalism."}, format="json")
    close(consultation)
    too_late = client_for(author).patch(url, {"body": "After the close."}, format="json")

    # then
    assert (edited.status_code, edited.json()["body"]) == (200, "Better wording.")
    assert (by_other.status_code, by_other.json()["code"]) == (403, "not_comment_author")
    assert (too_late.status_code, too_late.json()["code"]) == (409, "consultation_not_open")
    comment.refresh_from_db()
    assert comment.body == "Better wording."
    audit = AuditEvent.objects.get(action="council.comment_edited")
    assert (audit.data["previous"], audit.data["body"]) == (
        "Please raise the threshold to 25 employees.",
        "Better wording.",
    )


# --- answers -------------------------------------------------------------------------------------


def test_a_rejection_needs_a_reason():
    # given
    consultation = ConsultationFactory(open=True)
    comment = comment_on(consultation)

    # when
    with pytest.raises(ValidationFailed) as refused:
        answer(comment, disposition=Disposition.REJECTED, reason="  ")

    # then
    assert list(refused.value.fields) == ["reason"]
    assert not CommentResponse.objects.exists()


def test_answering_again_updates_the_answer_until_the_outcome():
    # given
    consultation = ConsultationFactory(open=True)
    comment = comment_on(consultation)
    member = seat(consultation.council)
    answer(comment, by=member, disposition=Disposition.NOTED, reason="")
    close(consultation)

    # when
    answer(comment, disposition=Disposition.PARTLY_ACCEPTED, reason="Raised to 20.")
    services.outcome_publish(
        actor=officer_of(consultation.council), consultation_id=consultation.pk, summary="Done."
    )
    with pytest.raises(InvalidState) as final:
        answer(comment, disposition=Disposition.ACCEPTED)

    # then
    reply = CommentResponse.objects.get(comment=comment)
    assert (reply.disposition, reply.reason) == (Disposition.PARTLY_ACCEPTED, "Raised to 20.")
    assert final.value.code == CouncilErrorCode.OUTCOME_PUBLISHED
    audits = AuditEvent.objects.filter(action="council.comment_answered").order_by("id")
    assert [a.data["previous"] for a in audits] == [None, {"disposition": "noted", "reason": ""}]


def test_only_council_members_answer():
    # given: a comment, and the chair of another council
    comment = comment_on(ConsultationFactory(open=True))
    outsider = seat(CouncilFactory(), CouncilRole.CHAIR)

    # when / then
    with pytest.raises(Forbidden) as refused:
        answer(comment, by=outsider)
    assert refused.value.code == CouncilErrorCode.NOT_COUNCIL_MEMBER
    assert not CommentResponse.objects.exists()


# --- notifications -------------------------------------------------------------------------------


def test_opening_tells_followers_and_the_businesses_of_its_activities():
    # given: a follower, a studio in the activity, one in another activity, and a bound API client
    design, music = ActivityCategoryFactory(code="design"), ActivityCategoryFactory(code="music")
    consultation = ConsultationFactory(activities=["design"])
    follower = UserFactory()
    services.subscription_add(actor=follower, council_id=consultation.council_id)
    studio_owner, musician = EntrepreneurFactory(), EntrepreneurFactory()
    for user, activity in ((studio_owner, design), (musician, music)):
        business = user.memberships.get().business
        business.activity = activity
        business.save(update_fields=["activity"])
    client = ApiClientFactory(business=studio_owner.memberships.get().business).user

    # when
    services.consultation_open(actor=officer_of(consultation.council), consultation_id=consultation.pk)

    # then
    told = Notification.objects.filter(event="council.consultation_opened", channel="in_app")
    assert set(told.values_list("recipient", flat=True)) == {follower.pk, studio_owner.pk, client.pk}
    assert told.first().payload == {
        "title": consultation.title,
        "consultation": consultation.pk,
        "status": "open",
    }


def test_an_answer_tells_the_author():
    # given
    consultation = ConsultationFactory(open=True)
    author = EntrepreneurFactory()
    comment = comment_on(consultation, author=author)

    # when
    answer(comment)

    # then
    told = Notification.objects.get(event="council.comment_answered", channel="in_app")
    assert told.recipient == author
    assert told.payload == {
        "title": consultation.title,
        "consultation": consultation.pk,
        "comment": comment.pk,
    }


def test_unfollowing_stops_the_news(client_for):
    # given
    consultation = ConsultationFactory()
    follower = UserFactory()
    client = client_for(follower)
    url = f"{API}/councils/{consultation.council_id}/subscription/"
    first, again = client.post(url), client.post(url)

    # when
    gone = client.delete(url)
    services.consultation_open(actor=officer_of(consultation.council), consultation_id=consultation.pk)

    # then
    assert (first.status_code, again.status_code, gone.status_code) == (201, 200, 204)
    assert not Notification.objects.filter(recipient=follower).exists()
    assert client.post(f"{API}/councils/999999/subscription/").status_code == 404
