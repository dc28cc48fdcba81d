"""The schedule of an application or a permit, as pure arithmetic (DESIGN §5).

Given the moment (`now`, or a submission time) and the working-day calendar, these say when a file
is due, when its official is reminded, when it escalates, and when the sweep must next look at it
(`next_sla_at`). They read a row's own fields and never change one: the workflow stores what they
return on every move, and the sweep (permits.services.sla_sweep) acts on it.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.utils import timezone

from permits.calendar import add_working_days
from permits.models import Application, ApplicationStatus, Permit, PermitStatus

S = ApplicationStatus
# Statuses in which the authority's clock runs (information requests stop it).
CLOCK_RUNS = (S.SUBMITTED, S.IN_REVIEW, S.SECOND_REVIEW)
EXPIRY_REMINDER_DAYS = (30, 7)


def due_moment(submitted_at: dt.datetime, deadline_days: int) -> dt.datetime:
    """The allowed working days after submission, at the submission's time of day."""
    return add_working_days(submitted_at, deadline_days)


def reminder_moment(submitted_at: dt.datetime, deadline_days: int) -> dt.datetime:
    """80 % of the allowed working days (configurable), at the submission's time of day."""
    return add_working_days(submitted_at, max(1, math.ceil(deadline_days * settings.PORTAL_REMINDER_SHARE)))


def level_two_moment(due_at: dt.datetime) -> dt.datetime:
    return add_working_days(due_at, settings.PORTAL_ESCALATION_LEVEL2_DAYS)


def next_moment(application: Application, *, level_two=level_two_moment) -> dt.datetime | None:
    """The next moment the sweep must look at this application, from its own fields."""
    if application.status in CLOCK_RUNS and application.due_at:
        moments = []
        if application.reminder_sent_at is None and application.remind_at:
            moments.append(application.remind_at)
        if application.escalation_level == 0:
            moments.append(application.due_at)
        elif application.escalation_level == 1:
            moments.append(level_two(application.due_at))
        return min(moments) if moments else None
    if (
        application.status == S.APPROVED
        and application.post_check_pending
        and application.escalation_level == 0
    ):
        return application.next_sla_at  # the post-issue check's due moment, set when the permit was issued
    return None


def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def permit_next_moment(permit: Permit) -> dt.datetime | None:
    """Reminders 30 and 7 days before the end of validity; expiry at the start of the day after it."""
    if permit.valid_until is None or permit.status not in (PermitStatus.ACTIVE, PermitStatus.SUSPENDED):
        return None
    sent = permit.expiry_reminder_days
    for days in EXPIRY_REMINDER_DAYS:
        if sent is None or sent > days:
            return _start_of_day(permit.valid_until - dt.timedelta(days=days))
    return _start_of_day(permit.valid_until + dt.timedelta(days=1))
