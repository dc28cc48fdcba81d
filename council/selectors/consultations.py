"""Reads of consultations and their comments, scoped to the caller.

The public reads consultations once they open; a draft is seen only by the members of its council.
Comments stay with their authors (and the council) until they become public: when the consultation
closes, or at once if the council chose so. Whatever the caller may not see is simply not found.
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from council.models import (
    Comment,
    Consultation,
    ConsultationStatus,
    ConsultationVersion,
    Section,
)
from council.policies import council_ids_of, is_member
from permits.models import ActivityCategory
from portal.api.errors import NotFound

S = ConsultationStatus
PUBLIC_STATUSES = (S.OPEN, S.CLOSED, S.OUTCOME_PUBLISHED)


def _visible(user) -> Q:
    return Q(status__in=PUBLIC_STATUSES) | Q(council_id__in=council_ids_of(user))


def consultation_list(*, user) -> QuerySet[Consultation]:
    """Newest first, with what a list item shows, in a fixed number of queries."""
    latest = (
        ConsultationVersion.objects.filter(consultation=OuterRef("pk"))
        .order_by("-number")
        .values("number")[:1]
    )
    comments = (
        Comment.objects.filter(consultation=OuterRef("pk"))
        .order_by()
        .values("consultation")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Consultation.objects.filter(_visible(user))
        .select_related("council", "legal_act")
        .prefetch_related(Prefetch("activities", queryset=ActivityCategory.objects.only("id", "code")))
        .annotate(
            current_version=Subquery(latest, output_field=IntegerField()),
            comment_count=Coalesce(Subquery(comments, output_field=IntegerField()), Value(0)),
        )
        .order_by("-opens_at", "-id")
    )


def consultation_get(*, user, consultation_id: int) -> Consultation:
    """One consultation with its versions, the current text and, once published, the outcome."""
    consultation = (
        consultation_list(user=user)
        .select_related("outcome__final_version", "outcome__published_by")
        .prefetch_related(Prefetch("versions", queryset=ConsultationVersion.objects.order_by("number")))
        .filter(pk=consultation_id)
        .first()
    )
    if consultation is None:
        raise NotFound("No such consultation.")
    versions = list(consultation.versions.all())
    consultation.current_sections = list(versions[-1].sections.all()) if versions else []
    consultation.answered_comments = (
        list(comments_of(consultation).filter(response__isnull=False))
        if consultation.status == S.OUTCOME_PUBLISHED
        else []
    )
    return consultation


def version_get(*, user, consultation_id: int, number: int) -> ConsultationVersion:
    consultation = consultation_get(user=user, consultation_id=consultation_id)
    version = (
        ConsultationVersion.objects.filter(consultation=consultation, number=number)
        .prefetch_related(Prefetch("sections", queryset=Section.objects.order_by("position")))
        .first()
    )
    if version is None:
        raise NotFound("No such version.")
    return version


# --- comments --------------------------------------------------------------------------------------


def comments_public(consultation: Consultation) -> bool:
    if consultation.status in (S.CLOSED, S.OUTCOME_PUBLISHED):
        return True
    return consultation.status == S.OPEN and consultation.comments_public_while_open


def comments_of(consultation: Consultation) -> QuerySet[Comment]:
    """All comments of a consultation with their section, author, business and answer."""
    return (
        Comment.objects.filter(consultation=consultation)
        .select_related("section__version", "author", "business", "response__responder")
        .order_by("created_at", "id")
    )


def comment_list(*, user, consultation: Consultation) -> QuerySet[Comment]:
    """The comments the caller may read of a consultation they may see."""
    comments = comments_of(consultation)
    if comments_public(consultation) or is_member(user, consultation.council_id):
        return comments
    if not getattr(user, "is_authenticated", False):
        return comments.none()
    return comments.filter(author=user)


def comment_get(*, user, comment_id: int) -> Comment:
    """A comment the caller may read (a 404 otherwise, whether it exists or not)."""
    comment = Comment.objects.select_related("consultation").filter(pk=comment_id).first()
    if comment is not None:
        visible = consultation_list(user=user).filter(pk=comment.consultation_id).exists()
        if (
            visible
            and comment_list(user=user, consultation=comment.consultation).filter(pk=comment.pk).exists()
        ):
            return comments_of(comment.consultation).get(pk=comment.pk)
    raise NotFound("No such comment.")
