"""Error codes that the permits domain's services answer with (beside portal's shared `ErrorCode`).

Codes are stable: add, never rename. Registered with portal in `PermitsConfig.ready` so that the schema's
`Error.code` lists them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PermitErrorCode(models.TextChoices):
    # catalogue and calendar
    INVALID_YEAR = "invalid_year", _("The year is outside the calendar's range.")
    UNKNOWN_ACTIVITY = "unknown_activity", _("Unknown activity.")
    UNKNOWN_LICENCE_TYPE = "unknown_licence_type", _("Unknown licence type.")
    # applications and bundles
    NOT_THE_APPLICANT = "not_the_applicant", _("Only the applicant business acts on its application.")
    INCOMPLETE = "incomplete", _("The application is incomplete.")
    NOT_SUBMITTED = "not_submitted", _("The application has not been submitted.")
    NOTHING_TO_SUBMIT = "nothing_to_submit", _("Nothing left to submit.")
    # documents
    EMPTY_FILE = "empty_file", _("The file is empty.")
    UNSUPPORTED_FILE_TYPE = "unsupported_file_type", _("The file's type is not accepted.")
    UNKNOWN_REQUIREMENT = "unknown_requirement", _("Unknown document requirement.")
    DOCUMENTS_CLOSED = "documents_closed", _("Documents can no longer be changed.")
    NOT_REQUIRED = "not_required", _("This document is not required for the application.")
    # review
    NOT_AN_OFFICIAL = "not_an_official", _("This is for officials of the issuing authority.")
    NOT_A_SUPERVISOR = "not_a_supervisor", _("Only a supervisor of the authority may do this.")
    CONFLICT_OF_INTEREST = "conflict_of_interest", _("You are linked to this business.")
    CLEARANCE_TOO_LOW = "clearance_too_low", _("Your clearance is below the tier.")
    FOUR_EYES = "four_eyes", _("The second review must be done by a different official.")
    OUT_OF_ORDER = "out_of_order", _("The review steps must be done in order.")
    BASIS_REQUIRED = "basis_required", _("A legal basis is required.")
    NOT_ASSIGNED = "not_assigned", _("The application is assigned to someone else.")
    NOT_CLAIMABLE = "not_claimable", _("The application is not waiting for an official.")
    ALREADY_ASSIGNED = "already_assigned", _("The application is already assigned to that official.")
    ALREADY_DECLARED = "already_declared", _("This link is already recorded.")
    # permits
    NO_PENDING_CHECK = "no_pending_check", _("The permit has no pending post-issue check.")
