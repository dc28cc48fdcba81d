"""The council side: councils and members, consultations, concerns, accountability reports, goals."""

from council.models.concerns import Concern, ConcernDisposition, ConcernStatus
from council.models.consultations import (
    Comment,
    CommentResponse,
    Consultation,
    ConsultationStatus,
    ConsultationVersion,
    CouncilSubscription,
    Disposition,
    Outcome,
    Section,
)
from council.models.councils import (
    Council,
    CouncilMember,
    CouncilMemberQuerySet,
    CouncilRole,
    CouncilScope,
    HelixSector,
)
from council.models.reports import AccountabilityReport, Goal, GoalMeasurement, ReportStatus

__all__ = [
    "AccountabilityReport",
    "Comment",
    "CommentResponse",
    "Concern",
    "ConcernDisposition",
    "ConcernStatus",
    "Consultation",
    "ConsultationStatus",
    "ConsultationVersion",
    "Council",
    "CouncilMember",
    "CouncilMemberQuerySet",
    "CouncilRole",
    "CouncilScope",
    "CouncilSubscription",
    "Disposition",
    "Goal",
    "GoalMeasurement",
    "HelixSector",
    "Outcome",
    "ReportStatus",
    "Section",
]
