"""Fair assignment: who takes a file when it enters review, or when its first stage is approved.

The system picks the least-loaded eligible official (permits.selectors.eligible_officials); when
no one is eligible the file waits and the supervisors are told. Submission (applications) and the
review side both start here, so neither service module imports the other.
"""

from __future__ import annotations

from permits import selectors
from permits.models import Application, ApplicationStatus, ReviewStage
from permits.workflow import By, transition
from portal.accounts.models import User
from portal.audit.services import record
from portal.notifications.services import notify

S = ApplicationStatus


def pick_official(application: Application, *, stage: str, actor, event: str) -> User | None:
    """The least-loaded eligible official, or None, in which case the supervisors are told."""
    chosen = selectors.eligible_officials(application, stage=stage).first()
    if chosen is not None:
        return chosen.user
    notify(
        recipients=selectors.supervisors_of(application.authority_id),
        event="application.no_eligible_official",
        subject_key=f"{application.reference}:{stage}:{event}",
        payload={"application": application.pk, "reference": application.reference, "stage": stage},
    )
    record(
        actor=actor,
        action="application.awaiting_assignment",
        obj=application,
        data={"reference": application.reference, "stage": stage},
    )
    return None


def start_review(application: Application, *, actor) -> Application:
    """After submission: assign a medium or high file, or leave it waiting and tell the supervisors."""
    official = pick_official(application, stage=ReviewStage.FIRST, actor=actor, event="submitted")
    if official is None:
        return application
    return enter_review(
        application, official, actor=actor, by=By.SYSTEM, how="least-loaded eligible official", notify=True
    )


def enter_review(
    application: Application, official: User, *, actor, by: str, how: str, notify: bool, **data
) -> Application:
    """A submitted file enters review with its official: assigned by the system, claimed, or
    reassigned by a supervisor (`how` says which, in the audit trail)."""
    return transition(
        application,
        S.IN_REVIEW,
        actor=actor,
        by=by,
        changes={"assigned_to": official},
        data={"assigned_to": official.username, "how": how, **data},
        notify_users=[official] if notify else (),
    )
