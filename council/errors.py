"""Error codes that the council domain's services answer with (beside portal's shared `ErrorCode`).

Codes are stable: add, never rename. Registered with portal in `CouncilConfig.ready` so that the schema's
`Error.code` lists them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CouncilErrorCode(models.TextChoices):
    # seats
    NOT_COUNCIL_MEMBER = "not_council_member", _("Only a member of this council may do this.")
    NOT_COUNCIL_OFFICER = "not_council_officer", _("Only the council's chair or secretary may do this.")
    # consultations
    OUTCOME_PUBLISHED = "outcome_published", _("The outcome is published; it is final.")
    CLOSING_TIME_PASSED = "closing_time_passed", _("The closing time has passed.")
    CONSULTATION_NOT_OPEN = "consultation_not_open", _("The consultation is not open for comments.")
    NOT_COMMENT_AUTHOR = "not_comment_author", _("Only its author may edit a comment.")
    UNANSWERED_COMMENTS = "unanswered_comments", _("Some comments have no answer yet.")
    # concerns
    NOT_AN_ENTREPRENEUR = "not_an_entrepreneur", _("Concerns are raised by entrepreneurs.")
    ALREADY_ANSWERED = "already_answered", _("This concern has already been answered.")
    # reports and goals
    REPORT_EXISTS = "report_exists", _("This council already has a report for this period.")
    REPORT_PUBLISHED = "report_published", _("This report is published; its figures are frozen.")
    PERIOD_NOT_ENDED = "period_not_ended", _("The report's period has not ended yet.")
    REPORT_METRICS_FAILED = "report_metrics_failed", _("The report's figures could not be computed.")
    GOAL_DATES_OUT_OF_RANGE = "goal_dates_out_of_range", _("The goal's dates are outside the allowed range.")
    GOAL_METRIC_FAILED = "goal_metric_failed", _("The goal's metric could not be computed.")
    GOAL_METRIC_COMPUTED = "goal_metric_computed", _("The goal's metric is computed, not entered.")
    MEASUREMENT_EXISTS = "measurement_exists", _("This goal already has a measurement for that day.")
