"""Reads of the permit side, each scoped to what the caller may see, with related rows fetched up front.

Authorisation lives here (Open Zaak's pattern): a selector starts from "what may this caller see",
so lists are filtered and a foreign object is simply not found (404), never a 403 that confirms it.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet

from permits.errors import PermitErrorCode
from permits.models import (
    OPEN_STATUSES,
    ActivityCategory,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    Bundle,
    Holiday,
    LicenceType,
    LicenceTypeQuestion,
    Message,
    Permit,
    Review,
    ReviewStage,
    RiskRule,
    RiskRuleSet,
    RuleSetStatus,
    Tier,
)
from permits.risk import QuestionSpec, Rule, missing_answers
from portal.accounts.models import Business, Clearance, ConflictOfInterest, OfficialProfile, User
from portal.accounts.selectors import (
    business_ids_for,
    businesses_for,
    linked_business_q,
    linked_official_q,
    official_profile_for,
)
from portal.api.errors import Forbidden, NotFound, ValidationFailed

# --- catalogue -------------------------------------------------------------------------------


def activity_list() -> QuerySet[ActivityCategory]:
    return ActivityCategory.objects.order_by("name")


def calendar_days(*, year: int) -> QuerySet[Holiday]:
    """A year's exceptions to the Monday-to-Friday week: days off and transferred working days."""
    return Holiday.objects.filter(date__year=year).order_by("date")


def licence_type_list() -> QuerySet[LicenceType]:
    """Active licence types with everything the catalogue and the finder show, in fixed queries."""
    return (
        LicenceType.objects.filter(is_active=True)
        .select_related("authority", "legal_basis")
        .prefetch_related(
            "required_documents",
            Prefetch("question_links", queryset=LicenceTypeQuestion.objects.select_related("question")),
            Prefetch("activities", queryset=ActivityCategory.objects.only("id", "code")),
        )
        .order_by("code")
    )


def finder(*, activity_codes: Iterable[str]) -> QuerySet[LicenceType]:
    """The union of licence types the activities need, each once. Unknown codes are a 400 naming them."""
    codes = list(dict.fromkeys(code.strip() for code in activity_codes if code.strip()))
    if not codes:
        raise ValidationFailed(fields={"activity": ["Name at least one activity code."]})
    known = set(ActivityCategory.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValidationFailed(
            f"Unknown activity code: {', '.join(unknown)}.",
            code=PermitErrorCode.UNKNOWN_ACTIVITY,
            fields={"activity": [f"Unknown activity code: {code}." for code in unknown]},
        )
    ids = LicenceType.objects.filter(activities__code__in=codes).values("id")
    return licence_type_list().filter(id__in=ids)


def question_specs(licence_type: LicenceType) -> list[QuestionSpec]:
    """The questions a licence type asks (uses the prefetched links when there are any)."""
    return [
        QuestionSpec(
            key=link.question.key,
            label=link.question.label,
            type=link.question.type,
            required=link.required,
            choices=tuple(link.question.choices or ()),
        )
        for link in licence_type.question_links.all()
    ]


def licence_types_by_code(codes: Iterable[str]) -> dict[str, LicenceType]:
    """Active licence types with the questions they ask (what creating an application needs)."""
    rows = (
        LicenceType.objects.filter(is_active=True, code__in=list(codes))
        .select_related("authority")
        .prefetch_related(
            Prefetch("question_links", queryset=LicenceTypeQuestion.objects.select_related("question"))
        )
    )
    return {lt.code: lt for lt in rows}


# --- risk rules ------------------------------------------------------------------------------


def current_rule_set() -> RiskRuleSet | None:
    return RiskRuleSet.objects.filter(status=RuleSetStatus.PUBLISHED).order_by("-version").first()


def rules_for(rule_set: RiskRuleSet | None, licence_type: LicenceType) -> list[Rule]:
    if rule_set is None:
        return []
    rows = RiskRule.objects.filter(rule_set=rule_set).filter(
        Q(licence_type__isnull=True) | Q(licence_type=licence_type)
    )
    return [
        Rule(
            question_key=r.question_key,
            comparison=r.comparison,
            value=r.value,
            raises_to=r.raises_to,
            reason=r.reason,
        )
        for r in rows.order_by("id")
    ]


# --- applications ----------------------------------------------------------------------------


def _tiers_up_to(clearance: str) -> list[str]:
    return [tier for tier in Tier.values if Tier.rank(tier) <= Clearance.rank(clearance)]


def _official_sees(official, user) -> Q:
    """The one rule for what an official sees of the files: their authority's, submitted, up to their
    clearance, and none of a business they are linked to (a conflict takes the file away, not only the
    decision). Applications and permits are both filtered by it."""
    return (
        Q(authority_id=official.authority_id)
        & ~Q(status=ApplicationStatus.DRAFT)
        & Q(risk_tier__in=_tiers_up_to(official.clearance))
        & ~linked_business_q(user)
    )


def applications_visible_to(user) -> QuerySet[Application]:
    """Applicants see their businesses' applications; officials their authority's, up to their clearance.

    Officials never see drafts: an application is the applicant's own until it is submitted.
    """
    visible = Q(business_id__in=business_ids_for(user))
    official = official_profile_for(user)
    if official is not None:
        visible |= _official_sees(official, user)
    return Application.objects.filter(visible)


def application_list(*, user) -> QuerySet[Application]:
    return (
        applications_visible_to(user)
        .select_related("business", "licence_type__authority", "assigned_to", "permit")
        .order_by("-created_at", "-id")
    )


def application_get(*, user, application_id: int) -> Application:
    application = application_list(user=user).filter(pk=application_id).first()
    if application is None:
        raise NotFound("No such application among yours.")
    return application


def application_get_for_applicant(*, user, application_id: int) -> Application:
    """An application the caller may act on as the applicant (a member of its business, or an API
    client bound to it).

    Visibility first, then the role: a file the caller cannot see is a 404 as anywhere else; one they
    see as an official (their authority's) but do not hold is a 403 `not_the_applicant`, since the
    404 would deny what the detail shows them.
    """
    application = application_get(user=user, application_id=application_id)
    if application.business_id not in business_ids_for(user):
        raise Forbidden(
            "Only the applicant business acts on its application.", code=PermitErrorCode.NOT_THE_APPLICANT
        )
    return application


def business_for_applicant(*, user, business_id) -> Business:
    try:
        business_id = int(business_id)
    except (TypeError, ValueError):
        raise NotFound("No such business among yours.") from None
    business = businesses_for(user).filter(pk=business_id).first()
    if business is None:
        raise NotFound("No such business among yours.")
    return business


def completeness(application: Application) -> dict[str, list[str]]:
    """What is missing before the application can be submitted: documents by code, answers by key."""
    required = {r.code for r in application.licence_type.required_documents.all()}
    given = set(application.document_links.values_list("requirement__code", flat=True))
    missing = {
        "documents": sorted(required - given),
        "answers": missing_answers(question_specs(application.licence_type), application.answers),
    }
    return {key: value for key, value in missing.items() if value}


def application_documents(*, application: Application) -> QuerySet[ApplicationDocument]:
    return application.document_links.select_related("document", "requirement").order_by("requirement__code")


def application_messages(*, application: Application) -> QuerySet[Message]:
    return application.messages.select_related("author").order_by("created_at", "id")


def business_members(business) -> list[User]:
    """The people of a business, as users."""
    return [m.user for m in business.memberships.select_related("user")]


def business_users(business) -> list[User]:
    """Everyone to tell about a business's applications: its members, and the API clients acting for
    it (who receive webhooks)."""
    return business_members(business) + [
        client.user for client in business.api_clients.select_related("user")
    ]


# --- bundles ---------------------------------------------------------------------------------


def bundle_get(*, user, bundle_id: int) -> Bundle:
    bundle = (
        Bundle.objects.filter(pk=bundle_id, business_id__in=business_ids_for(user))
        .select_related("business")
        .prefetch_related(
            Prefetch(
                "applications",
                queryset=Application.objects.select_related(
                    "business", "licence_type__authority", "assigned_to", "permit"
                ).order_by("id"),
            )
        )
        .first()
    )
    if bundle is None:
        raise NotFound("No such bundle among yours.")
    return bundle


class BundleStatus:
    DRAFT = "draft"
    ACTION_NEEDED = "action_needed"
    REFUSED_IN_PART = "refused_in_part"
    IN_REVIEW = "in_review"
    ALL_ISSUED = "all_issued"
    WITHDRAWN = "withdrawn"
    CHOICES = [DRAFT, ACTION_NEEDED, REFUSED_IN_PART, IN_REVIEW, ALL_ISSUED, WITHDRAWN]


def bundle_status(statuses: Iterable[str]) -> str:
    """A bundle's status, derived from its children's, most urgent first."""
    S = ApplicationStatus
    present = set(statuses)
    if not present or (present <= {S.DRAFT, S.WITHDRAWN} and S.DRAFT in present):
        return BundleStatus.DRAFT
    if S.INFO_REQUESTED in present:
        return BundleStatus.ACTION_NEEDED
    if S.REJECTED in present:
        return BundleStatus.REFUSED_IN_PART
    if present & {S.SUBMITTED, S.IN_REVIEW, S.SECOND_REVIEW, S.DRAFT}:
        return BundleStatus.IN_REVIEW
    if S.APPROVED in present:
        return BundleStatus.ALL_ISSUED
    return BundleStatus.WITHDRAWN


# --- permits ---------------------------------------------------------------------------------


def permits_visible_to(user) -> QuerySet[Permit]:
    """Holders see their businesses' permits; officials those of the applications they may see (same
    authority, clearance and conflict rule), so a list never shows what the detail would 404."""
    visible = Q(holder_id__in=business_ids_for(user))
    official = official_profile_for(user)
    if official is not None:
        visible |= Q(application__in=Application.objects.filter(_official_sees(official, user)).values("id"))
    return (
        Permit.objects.filter(visible)
        .select_related("holder", "licence_type__authority", "application")
        .order_by("-issued_at", "-id")
    )


def permit_verify(*, number: str, code: str) -> Permit:
    """Public verification: a wrong code is answered exactly like an unknown number."""
    permit = Permit.objects.select_related("holder", "licence_type").filter(number=number).first()
    if permit is None or not hmac.compare_digest(
        permit.verification_code.encode(), (code or "").encode("utf-8", "replace")
    ):
        raise NotFound("No permit with this number and verification code.")
    return permit


# --- the review side ---------------------------------------------------------------------------


def official_or_none(user) -> OfficialProfile | None:
    return OfficialProfile.objects.select_related("authority").filter(user=user).first()


def official_of_authority(user, authority_id: int) -> OfficialProfile | None:
    """The user's official profile if they serve `authority_id`, else None."""
    return OfficialProfile.objects.filter(user=user, authority_id=authority_id).first()


def official_named_in(*, username: str, authority_id: int) -> OfficialProfile | None:
    """The official called `username` in `authority_id`, if there is one."""
    return (
        OfficialProfile.objects.filter(user__username=username, authority_id=authority_id)
        .select_related("user")
        .first()
    )


def supervisors_of(authority_id: int) -> list[User]:
    return [
        p.user
        for p in OfficialProfile.objects.filter(
            authority_id=authority_id, is_supervisor=True, user__is_active=True
        ).select_related("user")
    ]


def required_clearance(application: Application, stage: str) -> str:
    """The second pair of eyes on a high-risk file is always cleared for high."""
    return Tier.HIGH if stage == ReviewStage.SECOND else application.risk_tier


def _clearances_at_least(level: str) -> list[str]:
    return [c for c in Clearance.values if Clearance.rank(c) >= Clearance.rank(level)]


def first_reviewer_id(application: Application) -> int | None:
    return (
        Review.objects.filter(application=application, stage=ReviewStage.FIRST)
        .values_list("reviewer_id", flat=True)
        .first()
    )


def eligible_officials(application: Application, *, stage: str) -> QuerySet[OfficialProfile]:
    """Officials who may take this file at this stage, least loaded first, ties by id.

    Supervisors are kept free for escalations and reassignment and are not assigned automatically.
    """
    excluded = [first_reviewer_id(application)] if stage == ReviewStage.SECOND else []
    return (
        OfficialProfile.objects.filter(
            authority_id=application.authority_id,
            user__is_active=True,
            is_supervisor=False,
            clearance__in=_clearances_at_least(required_clearance(application, stage)),
        )
        .exclude(linked_official_q(application.business_id, field="user_id"))
        .exclude(user_id__in=[pk for pk in excluded if pk])
        .annotate(
            load=Count(
                "user__assigned_applications", filter=Q(user__assigned_applications__status__in=OPEN_STATUSES)
            )
        )
        .select_related("user")
        .order_by("load", "user_id")
    )


def review_queue(*, user, tier: str | None = None, status: str | None = None, assigned: str = "all"):
    """The official's work: their authority's open files and pending post-issue checks, never above
    their clearance, oldest first. Served by the partial indexes on (authority, submitted_at, id)."""
    official = official_profile_for(user)
    if official is None:
        raise Forbidden(
            "The review queue is for officials of an authority.", code=PermitErrorCode.NOT_AN_OFFICIAL
        )
    queue = Application.objects.filter(
        Q(status__in=OPEN_STATUSES) | Q(post_check_pending=True),
        authority_id=official.authority_id,
        risk_tier__in=_tiers_up_to(official.clearance),
    )
    # A file of a business the official is linked to is not theirs to see, supervisor or not.
    queue = queue.exclude(linked_business_q(user))
    if tier:
        queue = queue.filter(risk_tier=tier)
    if status:
        queue = queue.filter(status=status)
    if assigned == "me":
        queue = queue.filter(assigned_to=user)
    elif assigned == "unassigned":
        queue = queue.filter(assigned_to__isnull=True)
    return queue.select_related("business", "licence_type", "assigned_to", "permit").order_by(
        "submitted_at", "id"
    )


def application_for_official(*, user, application_id: int) -> Application:
    """An application the caller may work on as an official of its authority: for the notes.

    Visibility first (404), then the role: the applicant, who sees their own file, is told it is for
    officials (403 `not_an_official`); an official who sees it only as a member of its business is
    conflicted (403 `conflict_of_interest`).
    """
    application = application_get(user=user, application_id=application_id)
    official = official_profile_for(user)
    if official is None or official.authority_id != application.authority_id:
        raise Forbidden(
            "Only officials of the issuing authority work on this file.", code=PermitErrorCode.NOT_AN_OFFICIAL
        )
    if not Application.objects.filter(pk=application.pk).filter(_official_sees(official, user)).exists():
        raise Forbidden("You are linked to this business.", code=PermitErrorCode.CONFLICT_OF_INTEREST)
    return application


def internal_notes(*, application: Application):
    return application.internal_notes.select_related("author").order_by("created_at", "id")


def conflicts_visible_to(user):
    """An official sees their own declarations; a supervisor, those of their whole authority."""
    official = official_profile_for(user)
    if official is None:
        raise Forbidden(
            "Conflicts of interest are declared by officials.", code=PermitErrorCode.NOT_AN_OFFICIAL
        )
    rows = ConflictOfInterest.objects.select_related("official", "business", "recorded_by")
    if official.is_supervisor:
        return rows.filter(official__official_profile__authority_id=official.authority_id)
    return rows.filter(official=user)


def permit_for_caller(*, user, number: str) -> Permit:
    permit = permits_visible_to(user).filter(number=number).first()
    if permit is None:
        raise NotFound("No such permit among yours.")
    return permit
