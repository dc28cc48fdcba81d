"""Post-issue sampling of low-tier permits (DESIGN §5: a configurable share, default 10 %, drawn
reproducibly) and the month arithmetic of permit validity (permits/services/permits.py)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from permits.calendar import add_working_days
from permits.models import Permit
from permits.services.applications import application_submit
from permits.services.permits import add_months, is_sampled
from tests.factories import MembershipFactory
from tests.permits.factories import DraftApplicationFactory, LicenceTypeFactory, QuestionFactory, submit

REFERENCES = [f"APP-2026-{n:06d}" for n in range(1, 2001)]
NOW = dt.datetime(2026, 6, 10, 5, 0, tzinfo=dt.UTC)  # a Wednesday, 10:00 in Almaty


# --- is_sampled --------------------------------------------------------------------------------


def test_default_share_is_ten_percent(settings):
    # given / when / then: DESIGN §5's default
    assert settings.PORTAL_POST_CHECK_SHARE == 0.10


def test_sampling_is_reproducible(settings):
    # given: a share of one half
    settings.PORTAL_POST_CHECK_SHARE = 0.5

    # when: every reference is drawn twice
    first = [is_sampled(reference) for reference in REFERENCES[:500]]
    second = [is_sampled(reference) for reference in REFERENCES[:500]]

    # then: the same answer each time, and the draw is not constant
    assert first == second
    assert any(first) and not all(first)


def test_share_zero_never_samples(settings):
    # given
    settings.PORTAL_POST_CHECK_SHARE = 0.0

    # when
    drawn = [reference for reference in REFERENCES if is_sampled(reference)]

    # then
    assert drawn == []


def test_share_one_always_samples(settings):
    # given
    settings.PORTAL_POST_CHECK_SHARE = 1.0

    # when
    drawn = [reference for reference in REFERENCES if is_sampled(reference)]

    # then
    assert len(drawn) == len(REFERENCES)


def test_share_ten_percent_samples_about_a_tenth(settings):
    # given
    settings.PORTAL_POST_CHECK_SHARE = 0.10

    # when
    drawn = sum(is_sampled(reference) for reference in REFERENCES)

    # then: between 5 % and 15 % of 2000
    assert 100 <= drawn <= 300


def test_a_larger_share_keeps_everyone_a_smaller_share_drew(settings):
    # given: the draw at 10 %
    settings.PORTAL_POST_CHECK_SHARE = 0.10
    at_ten = {reference for reference in REFERENCES if is_sampled(reference)}

    # when: the share is raised to 30 %
    settings.PORTAL_POST_CHECK_SHARE = 0.30
    at_thirty = {reference for reference in REFERENCES if is_sampled(reference)}

    # then: the draw is a threshold on a fixed value per reference
    assert at_ten < at_thirty


def test_the_draw_depends_on_the_configured_seed(settings):
    # given: the draw under the default seed
    settings.PORTAL_POST_CHECK_SHARE = 0.5
    default = [is_sampled(reference) for reference in REFERENCES[:200]]

    # when: another seed is configured
    settings.PORTAL_POST_CHECK_SEED = "another-secret"
    other = [is_sampled(reference) for reference in REFERENCES[:200]]

    # then: a different (yet reproducible) draw
    assert default != other
    assert other == [is_sampled(reference) for reference in REFERENCES[:200]]


# --- sampling at issue -------------------------------------------------------------------------


def submit_low_tier_application():
    """A low-tier notification with no required documents and its question answered, submitted."""
    question = QuestionFactory(key="studio_size", label="Studio size (m²)", integer=True)
    licence_type = LicenceTypeFactory(code="studio-notification", low=True, asks=[(question, True)])
    return submit(licence_type, answers={"studio_size": 40})


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_sampled_low_tier_permit_has_a_pending_check(settings):
    # given: every low-tier permit is drawn
    settings.PORTAL_POST_CHECK_SHARE = 1.0

    # when
    application = submit_low_tier_application()

    # then: issued at once, with a post-issue check due in the configured working days
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.risk_tier == "low"
    permit = Permit.objects.get(application=application)
    assert permit.post_check_status == "pending"
    assert permit.post_check_due_at == add_working_days(timezone.now(), settings.PORTAL_POST_CHECK_DAYS)
    assert permit.post_check_due_at > timezone.now()


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_unsampled_low_tier_permit_has_no_check(settings):
    # given: no low-tier permit is drawn
    settings.PORTAL_POST_CHECK_SHARE = 0.0

    # when
    application = submit_low_tier_application()

    # then
    application.refresh_from_db()
    assert application.status == "approved"
    permit = Permit.objects.get(application=application)
    assert permit.post_check_status == "not_sampled"
    assert permit.post_check_due_at is None


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_sampled_check_due_date_counts_working_days(settings):
    # given: a 3-working-day check window, drawn from a Wednesday
    settings.PORTAL_POST_CHECK_SHARE = 1.0
    settings.PORTAL_POST_CHECK_DAYS = 3

    # when
    application = submit_low_tier_application()

    # then: Thursday, Friday, Monday: due the next Monday at the same local time
    permit = Permit.objects.get(application=application)
    assert timezone.localtime(permit.post_check_due_at) == timezone.localtime(NOW).replace(day=15)


# --- add_months --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 1, 30), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30)),
        (dt.date(2026, 1, 31), 2, dt.date(2026, 3, 31)),
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
        (dt.date(2028, 2, 29), 12, dt.date(2029, 2, 28)),
        (dt.date(2028, 2, 29), 48, dt.date(2032, 2, 29)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 6, 10), 12, dt.date(2027, 6, 10)),
        (dt.date(2026, 6, 10), 0, dt.date(2026, 6, 10)),
        (dt.date(2026, 6, 10), 120, dt.date(2036, 6, 10)),
    ],
)
def test_add_months_clamps_to_the_month_end(day, months, expected):
    # given / when
    result = add_months(day, months)

    # then
    assert result == expected


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 1, 31, 5, 0, tzinfo=dt.UTC), tick=False)
def test_permit_validity_uses_month_arithmetic(settings):
    # given: a one-month notification issued on 31 January 2026 (Almaty)
    settings.PORTAL_POST_CHECK_SHARE = 0.0
    question = QuestionFactory(key="studio_size", integer=True)
    licence_type = LicenceTypeFactory(
        code="pop-up-notice", low=True, validity_months=1, asks=[(question, True)]
    )
    membership = MembershipFactory()
    draft = DraftApplicationFactory(
        licence_type=licence_type, business=membership.business, answers={"studio_size": 12}
    )

    # when
    application_submit(actor=membership.user, application_id=draft.pk)

    # then: valid until the last day of February
    permit = Permit.objects.get(application=draft)
    assert permit.valid_until == dt.date(2026, 2, 28)
