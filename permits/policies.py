"""Who may act on what, on the permit side: the applicant's membership, the official of the authority,
their clearance, conflicts of interest, four eyes, supervisors.

Each check reads (through `permits.selectors` and `portal.accounts.selectors`) and either returns what
it found or refuses with a `Forbidden` / `NotFound` carrying a `PermitErrorCode`. None of them writes:
the services call them before they lock or change anything, who before what (docs/security.md).
"""

from __future__ import annotations

from permits import selectors
from permits.errors import PermitErrorCode
from permits.models import Application, Permit, ReviewStage, Tier
from portal.accounts.models import Business, Clearance, OfficialProfile, User
from portal.accounts.selectors import is_linked
from portal.api.errors import Forbidden, ValidationFailed

# --- the applicant -----------------------------------------------------------------------------


def check_applicant_of(actor, application_id: int) -> Application:
    """The application, once `actor` may act on it as the applicant (a member of its business, or an
    API client bound to it): a file they cannot see is a 404, one they see as an official but do not
    hold a 403 `not_the_applicant`."""
    return selectors.application_get_for_applicant(user=actor, application_id=application_id)


def check_member_of(actor, business_id) -> Business:
    """The business, once `actor` acts for it; any other is not found (404)."""
    return selectors.business_for_applicant(user=actor, business_id=business_id)


# --- the official ------------------------------------------------------------------------------


def has_conflict(user, business_id: int) -> bool:
    """Declared or not: a member of the business is as conflicted as one who declared a link."""
    return is_linked(user, business_id)


def require_official(user) -> OfficialProfile:
    """The user's official profile; anyone who is not an official of an authority is refused (403)."""
    profile = selectors.official_or_none(user)
    if profile is None:
        raise Forbidden("This is for officials of an authority.", code=PermitErrorCode.NOT_AN_OFFICIAL)
    return profile


def check_official_of(application: Application, actor, *, supervisor: bool = False) -> OfficialProfile:
    """Who before what: refuse (403) anyone who may not act for the authority on this file at all, before
    its state is looked at, so the applicant hears "officials only", not that the file is taken."""
    profile = selectors.official_of_authority(actor, application.authority_id)
    if supervisor and (profile is None or not profile.is_supervisor):
        raise Forbidden(
            "Only a supervisor of the authority reassigns files.", code=PermitErrorCode.NOT_A_SUPERVISOR
        )
    if profile is None:
        raise Forbidden(
            "Only officials of the issuing authority review this application.",
            code=PermitErrorCode.NOT_AN_OFFICIAL,
        )
    if has_conflict(actor, application.business_id):
        raise Forbidden(
            "You are linked to this business; another official must act on it.",
            code=PermitErrorCode.CONFLICT_OF_INTEREST,
        )
    return profile


def check_may_review(application: Application, user, *, stage: str) -> OfficialProfile:
    """Refuse (403 with a clear code) anyone who may not act on this file at this stage: an official
    of the authority, unlinked, cleared for the tier, and at the second stage not the first reviewer."""
    profile = check_official_of(application, user)
    if Clearance.rank(profile.clearance) < Clearance.rank(selectors.required_clearance(application, stage)):
        raise Forbidden(
            "Your clearance is below this application's tier.", code=PermitErrorCode.CLEARANCE_TOO_LOW
        )
    if stage == ReviewStage.SECOND and selectors.first_reviewer_id(application) == user.pk:
        raise Forbidden(
            "The second review must be done by a different official (four eyes).",
            code=PermitErrorCode.FOUR_EYES,
        )
    return profile


def check_assignee(application: Application, actor) -> None:
    """Only the official the file is assigned to decides it or asks the applicant for more (403)."""
    if application.assigned_to_id != actor.pk:
        raise Forbidden(
            f"{application.reference} is assigned to someone else.", code=PermitErrorCode.NOT_ASSIGNED
        )


def check_issuing_official(permit: Permit, actor) -> OfficialProfile:
    """An official of the issuing authority, cleared for the permit's tier, with no link to the holder."""
    profile = selectors.official_of_authority(actor, permit.licence_type.authority_id)
    if profile is None:
        raise Forbidden(
            "Only officials of the issuing authority act on this permit.",
            code=PermitErrorCode.NOT_AN_OFFICIAL,
        )
    if Clearance.rank(profile.clearance) < Clearance.rank(permit.application.risk_tier or Tier.LOW):
        raise Forbidden("Your clearance is below this permit's tier.", code=PermitErrorCode.CLEARANCE_TOO_LOW)
    if has_conflict(actor, permit.holder_id):
        raise Forbidden("You are linked to this business.", code=PermitErrorCode.CONFLICT_OF_INTEREST)
    return profile


def official_of_same_authority(*, supervisor: OfficialProfile, username: str) -> User:
    """A supervisor records a link found for an official of their own authority: refuse (403) anyone
    else, and name (400) an official who is not in that authority."""
    if not supervisor.is_supervisor:
        raise Forbidden(
            "Only a supervisor records a link for another official.", code=PermitErrorCode.NOT_A_SUPERVISOR
        )
    profile = selectors.official_named_in(username=username, authority_id=supervisor.authority_id)
    if profile is None:
        raise ValidationFailed(fields={"official": [f"No official {username} in your authority."]})
    return profile.user
