"""The demo permits history: applications of the last two quarters written through the services on a
simulated clock, consistent in every timestamp, counted by last quarter's published report, loaded once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from council.models import AccountabilityReport, ReportStatus
from demo.history import HISTORY_BINS, HISTORY_ENTREPRENEURS, previous_quarter_start
from demo.seed import AUTHORITIES, seed_demo
from permits.calendar import add_working_days, working_days_between
from permits.models import Application, ApplicationStatus, Document, Permit, Review, Tier
from portal.accounts.models import Authority, Business, User
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

S = ApplicationStatus


@pytest.fixture
def seeded(settings, tmp_path) -> list[str]:
    settings.MEDIA_ROOT = tmp_path  # the history uploads its documents
    lines: list[str] = []
    seed_demo(out=lines.append)
    return lines


def history() -> list[Application]:
    return list(
        Application.objects.filter(business__bin__in=HISTORY_BINS)
        .select_related("licence_type", "authority", "assigned_to__official_profile", "business")
        .order_by("submitted_at")
    )


def test_the_history_spans_every_authority_tier_and_outcome(seeded):
    # given: the demo data is loaded (fixture)
    today = timezone.localdate()

    # when
    applications = history()

    # then: about sixty files to all five authorities, in all three tiers, with every kind of ending
    assert len(applications) >= 50
    assert {a.authority.code for a in applications} == {code for code, *_ in AUTHORITIES}
    assert {a.risk_tier for a in applications} == set(Tier.values)
    assert {S.APPROVED, S.REJECTED, S.WITHDRAWN, S.INFO_REQUESTED} <= {a.status for a in applications}
    assert Permit.objects.filter(application__in=applications, is_tacit=True).count() == 1
    assert Review.objects.filter(application__in=applications, stage="second").count() >= 5
    # from the first day of the previous quarter up to a few days ago, and some decided in 1-3 days
    first, last = (timezone.localdate(applications[i].submitted_at) for i in (0, -1))
    assert first >= previous_quarter_start(today)
    assert last <= today - dt.timedelta(days=2)
    quick = [a for a in applications if a.due_at and a.decided_at]
    assert any(working_days_between(a.submitted_at, a.decided_at) <= 3 for a in quick)
    # and the person watching the terminal saw it progress
    assert any(line.strip().startswith("applications: 10 submitted") for line in seeded)


def test_the_history_answers_every_question_that_could_raise_its_tier(seeded):
    # given: the demo data is loaded (fixture)
    # when
    applications = [a for a in history() if a.submitted_at is not None]

    # then: no tier comes from an unanswered question counted as the answer raising it; each case's
    # tier is the one its answers give
    assert applications
    counted = {
        a.reference: a.risk_reasons for a in applications if any("not answered" in r for r in a.risk_reasons)
    }
    assert counted == {}


def test_the_history_entrepreneurs_are_demo_accounts_registered_over_nine_months(seeded):
    # given: the demo data is loaded (fixture)
    nine_months_ago = timezone.now() - dt.timedelta(days=275)

    # when
    businesses = list(Business.objects.filter(bin__in=HISTORY_BINS).prefetch_related("members"))

    # then
    assert len(businesses) == len(HISTORY_ENTREPRENEURS) == 8
    assert sum(b.in_smart_city_zone for b in businesses) == 4
    assert {b.city for b in businesses} == {"Almaty", "Astana", "Shymkent"}
    for business in businesses:
        owner = business.members.get()
        assert owner.is_demo and owner.check_password(django_settings.DEMO_PASSWORD)
        first_application = business.applications.order_by("submitted_at").first()
        assert nine_months_ago <= business.created_at < first_application.submitted_at


def test_every_timestamp_is_moved_to_its_moment_consistently(seeded):
    # given: the demo data is loaded (fixture)
    now = timezone.now()
    applications = history()
    supervisors = set(User.objects.filter(official_profile__is_supervisor=True).values_list("pk", flat=True))

    for application in applications:
        deadline = application.licence_type.deadline_for(application.risk_tier)
        moments = [application.created_at, application.submitted_at, application.decided_at]
        # deadlines: counted in working days from the backdated submission, moved by the pause
        if deadline:
            due = add_working_days(application.submitted_at, deadline)
            if application.paused_working_days:
                due = add_working_days(due, application.paused_working_days)
            assert application.due_at == due, application.reference
        # the pause: from the official's question to the applicant's answer
        thread = list(application.messages.order_by("created_at"))
        if len(thread) == 2:
            paused = working_days_between(thread[0].created_at, thread[1].created_at)
            assert application.paused_working_days == paused, application.reference
        # reviews, messages and documents happen between the draft and the decision
        reviews = list(Review.objects.filter(application=application))
        documents = Document.objects.filter(application_links__application=application)
        for moment in [m.created_at for m in thread] + [
            r.created_at for r in reviews if r.stage != "post_check"
        ]:
            assert application.submitted_at <= moment <= (application.decided_at or now), (
                application.reference
            )
        assert all(d.created_at <= application.submitted_at for d in documents)
        # a permit is issued the moment the application is approved
        permit = Permit.objects.filter(application=application).first()
        if permit is not None:
            assert permit.issued_at == application.decided_at
            moments.append(permit.issued_at)
        assert all(m is None or m < now for m in moments), application.reference
        # nothing waits on an official's decision: only on an applicant, or on a supervisor who took it over
        if application.status in (S.SUBMITTED, S.IN_REVIEW, S.SECOND_REVIEW):
            assert application.assigned_to_id in supervisors, application.reference
            assert application.escalation_level >= 1


def test_last_quarters_published_report_counts_the_history(seeded):
    # given: the demo data is loaded (fixture), with last quarter's report published
    report = AccountabilityReport.objects.get(status=ReportStatus.PUBLISHED)

    # when
    metrics = report.metrics["applications"]
    goals = {goal["metric"]: goal for goal in report.metrics["goals"]}

    # then: several authorities received and decided files, with processing times and escalations
    active = [row for row in metrics["by_authority"] if row["received"] and row["decided"]]
    assert len(active) >= 3
    assert Authority.objects.filter(code__in=[row["authority"]["code"] for row in active]).count() == len(
        active
    )
    total = metrics["total"]
    assert total["received"] > 0 and total["decided"] > 0
    assert total["median_working_days"] is not None and total["p90_working_days"] is not None
    assert total["escalated"] >= 1
    assert total["on_time_share"] is not None
    # and the smart-city goal counts the history's businesses registered in a smart-city zone
    assert goals["businesses_registered"]["value"] > 0


def test_a_second_seed_creates_nothing(seeded):
    # given
    def counts() -> dict[str, int]:
        models = {"applications": Application, "permits": Permit, "businesses": Business, "audit": AuditEvent}
        return {name: model.objects.count() for name, model in models.items()}

    before = counts()
    lines: list[str] = []

    # when
    created = seed_demo(out=lines.append)

    # then
    assert created == 0
    assert counts() == before
    assert any("history already present" in line for line in lines)
