"""Accountability reports (metrics computed from the permits data, frozen when published) and the
council's SMART goals, whose progress each report measures."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The dates a goal or a report may speak of. The portal's data starts after 2000; a goal further
# than 2100 is not a plan. The bounds are fixed (not "today + n years") so the database can hold them
# as a CHECK, and they keep every date arithmetic of the metrics (a day past the end, a trailing
# window before the start) far inside what Python and PostgreSQL can represent.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
DATE_RANGE_VALIDATORS = [MinValueValidator(EARLIEST_DATE), MaxValueValidator(LATEST_DATE)]


def dates_in_range(*fields: str) -> Q:
    condition = Q()
    for name in fields:
        condition &= Q(**{f"{name}__gte": EARLIEST_DATE, f"{name}__lte": LATEST_DATE})
    return condition


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class AccountabilityReport(models.Model):
    council = models.ForeignKey("council.Council", on_delete=models.PROTECT, related_name="reports")
    period_start = models.DateField(_("period start"), validators=DATE_RANGE_VALIDATORS)
    period_end = models.DateField(_("period end"), validators=DATE_RANGE_VALIDATORS)
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    # A draft's metrics are recomputed on demand; publishing freezes them: later data never changes
    # a published report.
    metrics = models.JSONField(_("metrics"), default=dict)
    computed_at = models.DateTimeField(_("metrics computed at"))
    commentary = models.TextField(_("council's commentary"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("accountability report")
        verbose_name_plural = _("accountability reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="report_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="report_published_has_time"
            ),
            models.CheckConstraint(
                condition=dates_in_range("period_start", "period_end"), name="report_period_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.council}: {self.period_start} to {self.period_end}"


class Goal(models.Model):
    """A SMART goal of the council's strategy: a metric, where it started, where it must get, by when.

    `metric` names one of the metrics in `council.goals.METRICS`: some are computed from the portal's
    own data (businesses registered, permits issued ...), others are reported from outside (skills
    programmes, partnerships) as `GoalMeasurement` rows. `filter` narrows a computed metric, e.g.
    `{"in_smart_city_zone": true}`.
    """

    council = models.ForeignKey("council.Council", on_delete=models.PROTECT, related_name="goals")
    title = models.CharField(_("title"), max_length=300)
    metric = models.CharField(_("metric"), max_length=60)
    filter = models.JSONField(_("filter"), default=dict, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2)
    baseline_date = models.DateField(_("baseline measured on"), validators=DATE_RANGE_VALIDATORS)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    deadline = models.DateField(_("deadline"), validators=DATE_RANGE_VALIDATORS)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["council", "deadline", "id"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("baseline_date")), name="goal_deadline_after_baseline"
            ),
            models.CheckConstraint(condition=~Q(target=models.F("baseline")), name="goal_target_differs"),
            models.CheckConstraint(
                condition=dates_in_range("baseline_date", "deadline"), name="goal_dates_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class GoalMeasurement(models.Model):
    """A value of a reported (not computed) metric, with where it comes from."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField(_("measured on"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    source = models.CharField(_("source"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["goal", "measured_on", "id"]
        verbose_name = _("goal measurement")
        verbose_name_plural = _("goal measurements")
        constraints = [
            models.UniqueConstraint(fields=["goal", "measured_on"], name="goal_measurement_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.value} on {self.measured_on}"
