"""The permit side's data: the catalogue, the risk rules, applications and their documents, permits."""

from permits.models.applications import (
    OPEN_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    Bundle,
    Document,
    Message,
)
from permits.models.calendar import Holiday, HolidayKind, HolidaySource
from permits.models.catalogue import (
    ActivityCategory,
    DocumentRequirement,
    LegalAct,
    LicenceKind,
    LicenceType,
    LicenceTypeQuestion,
    Question,
    QuestionType,
)
from permits.models.permits import Permit, PermitStatus, PostCheckStatus
from permits.models.review import InternalNote, Review, ReviewOutcome, ReviewStage
from permits.models.risk import Comparison, RiskRule, RiskRuleSet, RuleSetStatus, Tier

__all__ = [
    "OPEN_STATUSES",
    "ActivityCategory",
    "Application",
    "ApplicationDocument",
    "ApplicationStatus",
    "Bundle",
    "Comparison",
    "Document",
    "DocumentRequirement",
    "Holiday",
    "HolidayKind",
    "HolidaySource",
    "InternalNote",
    "LegalAct",
    "LicenceKind",
    "LicenceType",
    "LicenceTypeQuestion",
    "Message",
    "Permit",
    "PermitStatus",
    "PostCheckStatus",
    "Question",
    "QuestionType",
    "Review",
    "ReviewOutcome",
    "ReviewStage",
    "RiskRule",
    "RiskRuleSet",
    "RuleSetStatus",
    "Tier",
]
