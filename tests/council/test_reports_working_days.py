"""The database's working-day count agrees with `permits.calendar.working_days_between`."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db.models import F

from council.metrics import processing_days
from permits.calendar import working_days_between
from permits.models import Application
from tests.council.reports_factories import ALMATY, HolidayFactory, application_in_state
from tests.permits.factories import LicenceTypeFactory

pytestmark = pytest.mark.django_db


def test_the_database_counts_working_days_exactly_as_the_calendar_does():
    # given: a calendar with holidays and transferred working days around the new year and in spring
    for day in (
        dt.date(2025, 12, 16),
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 2),
        dt.date(2026, 1, 7),
        dt.date(2026, 3, 9),
        dt.date(2026, 3, 23),
        dt.date(2026, 3, 24),
        dt.date(2026, 5, 1),
    ):
        HolidayFactory(date=day, name="Holiday")
    for day in (dt.date(2026, 1, 3), dt.date(2026, 3, 28)):
        HolidayFactory(date=day, transfer=True)
    # and 40 random pairs of moments (some the wrong way round, some on the same day, some near midnight)
    rng = random.Random(20260327)
    origin = dt.datetime(2025, 12, 1, tzinfo=ALMATY)
    pairs = []
    for _ in range(40):
        start = origin + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 180))
        end = start + dt.timedelta(minutes=rng.randrange(-60 * 24 * 3, 60 * 24 * 40))
        pairs.append((start, end))
    pairs.append(
        (dt.datetime(2026, 3, 1, 0, 10, tzinfo=ALMATY), dt.datetime(2026, 3, 2, 23, 50, tzinfo=ALMATY))
    )
    licence_type = LicenceTypeFactory()
    rows = [
        application_in_state(
            licence_type=licence_type, status="draft", tier="", submitted_at=start, decided_at=end
        )
        for start, end in pairs
    ]

    # when: counted in SQL (no paused days, so the figure is the plain count)
    counted = dict(
        Application.objects.filter(pk__in=[r.pk for r in rows])
        .annotate(days=processing_days(), paused=F("paused_working_days"))
        .values_list("pk", "days")
    )

    # then
    expected = {
        row.pk: max(working_days_between(start, end), 0)
        for row, (start, end) in zip(rows, pairs, strict=True)
    }
    assert counted == expected
    assert len(set(expected.values())) > 10  # the pairs cover many different lengths
