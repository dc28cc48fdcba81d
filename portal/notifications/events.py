"""Every event name the portal notifies about: what webhooks and email preferences may name.

Application events are `application.<workflow move>` plus the assignment and deadline ones; permit
events are `permit.<status change>`, issue and reminders; council events are consultation moves and
the comment, concern and report ones. A test checks this list against the workflow tables, so a new
move cannot be emitted without being subscribable.
"""

from __future__ import annotations

from django.db import models


class Event(models.TextChoices):
    APPLICATION_SUBMITTED = "application.submitted"
    APPLICATION_NOTIFICATION_ACCEPTED = "application.notification_accepted"
    APPLICATION_REVIEW_STARTED = "application.review_started"
    APPLICATION_INFO_REQUESTED = "application.info_requested"
    APPLICATION_RESUBMITTED = "application.resubmitted"
    APPLICATION_FIRST_REVIEW_APPROVED = "application.first_review_approved"
    APPLICATION_APPROVED = "application.approved"
    APPLICATION_TACITLY_APPROVED = "application.tacitly_approved"
    APPLICATION_REJECTED = "application.rejected"
    APPLICATION_WITHDRAWN = "application.withdrawn"
    APPLICATION_CLAIMED = "application.claimed"
    APPLICATION_REASSIGNED = "application.reassigned"
    APPLICATION_NO_ELIGIBLE_OFFICIAL = "application.no_eligible_official"
    APPLICATION_DEADLINE_REMINDER = "application.deadline_reminder"
    APPLICATION_ESCALATED = "application.escalated"
    APPLICATION_AUTHORITY_LATE = "application.authority_late"
    PERMIT_ISSUED = "permit.issued"
    PERMIT_SUSPENDED = "permit.suspended"
    PERMIT_REINSTATED = "permit.reinstated"
    PERMIT_REVOKED = "permit.revoked"
    PERMIT_EXPIRED = "permit.expired"
    PERMIT_EXPIRY_REMINDER = "permit.expiry_reminder"
    PERMIT_POST_CHECK_OVERDUE = "permit.post_check_overdue"
    COUNCIL_CONSULTATION_OPENED = "council.consultation_opened"
    COUNCIL_CONSULTATION_CLOSED = "council.consultation_closed"
    COUNCIL_OUTCOME_PUBLISHED = "council.outcome_published"
    COUNCIL_COMMENT_ANSWERED = "council.comment_answered"
    COUNCIL_CONCERN_RAISED = "council.concern_raised"
    COUNCIL_CONCERN_ANSWERED = "council.concern_answered"
    COUNCIL_CONCERN_REFERRED = "council.concern_referred"
    COUNCIL_REPORT_PUBLISHED = "council.report_published"
