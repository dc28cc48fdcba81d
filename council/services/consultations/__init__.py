"""Writes of public consultations: the draft and its versions, comments, answers, the outcome.

Only the council's officers (chair, secretary) shape a consultation and move it along; any active
member answers comments; any signed-in person comments while it is open.
"""

from council.services.consultations.comments import (
    comment_edit,
    comment_post,
    comment_respond,
    outcome_publish,
    subscription_add,
    subscription_remove,
)
from council.services.consultations.drafts import (
    MAX_COMMENT,
    MAX_HEADING,
    MAX_SECTION_TEXT,
    MAX_SECTIONS,
    MAX_SUMMARY,
    MAX_TITLE,
    consultation_close,
    consultation_create,
    consultation_open,
    consultation_sweep,
    consultation_update,
    consultation_version_add,
    opening_audience,
    outcome_audience,
)

__all__ = [
    "MAX_COMMENT",
    "MAX_HEADING",
    "MAX_SECTIONS",
    "MAX_SECTION_TEXT",
    "MAX_SUMMARY",
    "MAX_TITLE",
    "comment_edit",
    "comment_post",
    "comment_respond",
    "consultation_close",
    "consultation_create",
    "consultation_open",
    "consultation_sweep",
    "consultation_update",
    "consultation_version_add",
    "opening_audience",
    "outcome_audience",
    "outcome_publish",
    "subscription_add",
    "subscription_remove",
]
