"""The report's metrics over a small data set, every number computed by hand.

March 2026 in Almaty. The calendar: Monday 9 March a holiday (Women's Day, moved), Monday 23 and
Tuesday 24 March holidays (Nauryz), Saturday 28 March a transferred working day.

Processing time in working days (after the submission date, up to and including the decision date,
minus paused days), by application:

  Ministry low     L1 1 Mar 00:30 -> same day 0        L2 12 Mar -> same day 0
  Ministry medium  M1 Thu 5 -> Tue 10: 6, 10 = 2        M2 Fri 6 -> Fri 27: 12 - 3 paused = 9
                   M3 Mon 2 -> Fri 13: 3-6, 10-13 = 8   M4 withdrawn
  Ministry high    M5 Wed 25 -> Tue 31: 26, 27, 28 (worked Saturday), 30, 31 = 5    M6 still in review
  Akimat low       A1 3 Mar same day 0                   A2 4 Mar same day 0
  Akimat medium    A3 Fri 20 -> Mon 30: 25, 26, 27, 28, 30 = 5 - 1 paused = 4
                   A4 Mon 16 -> same day 0

On time: M1, M5, A3, A4. M2 was decided a week late; M3 was approved tacitly at its deadline, which
is the authority's silence, so never on time. Low-tier notifications have no deadline.

Left out: one submitted 27 February, one on 1 April 00:30 Almaty (still 31 March in UTC), a draft.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from council.metrics import application_metrics, concern_metrics, consultation_metrics
from council.models import Consultation, CouncilScope
from council.services.reports import report_metrics
from permits.models import ApplicationStatus, PostCheckStatus, Tier
from tests.council.consultations_factories import DAY, ConsultationFactory, answer, close, comment_on
from tests.council.reports_factories import (
    ConcernFactory,
    HolidayFactory,
    application_in_state,
    audit_on,
    local,
    permit_for,
)
from tests.factories import AuthorityFactory, BusinessFactory, CouncilFactory
from tests.permits.factories import LicenceTypeFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
NOW = local(2026, 4, 10, 12)
OUT_OF_ORDER, INFO = "application.out_of_order", "application.info_requested"
A, R, W, IR = ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN, "in_review"


@pytest.fixture(autouse=True)
def _calendar_and_clock():
    HolidayFactory(date=dt.date(2026, 3, 9), name="International Women's Day (moved)")
    HolidayFactory(date=dt.date(2026, 3, 23), name="Nauryz")
    HolidayFactory(date=dt.date(2026, 3, 24), name="Nauryz")
    HolidayFactory(date=dt.date(2026, 3, 28), transfer=True)
    with time_machine.travel(NOW, tick=False):
        yield


def build_applications():
    ministry = AuthorityFactory(code="mci", name="Ministry of Culture")
    akimat = AuthorityFactory(code="akimat", name="Akimat of Almaty")
    m_low, m_med = LicenceTypeFactory(authority=ministry, low=True), LicenceTypeFactory(authority=ministry)
    m_high = LicenceTypeFactory(authority=ministry, high=True)
    a_low, a_med = LicenceTypeFactory(authority=akimat, low=True), LicenceTypeFactory(authority=akimat)

    def app(licence_type, status, tier, submitted, decided=None, due=None, **extra):
        return application_in_state(
            licence_type=licence_type,
            status=status,
            tier=tier,
            submitted_at=submitted,
            decided_at=decided,
            due_at=due,
            **extra,
        )

    # the Ministry
    l1 = app(m_low, A, Tier.LOW, local(2026, 3, 1, 0, 30), local(2026, 3, 1, 0, 30))
    permit_for(l1, post_check=PostCheckStatus.PENDING)
    l2 = app(m_low, A, Tier.LOW, local(2026, 3, 12, 11), local(2026, 3, 12, 11))
    permit_for(l2, post_check=PostCheckStatus.PASSED)
    m1 = app(m_med, A, Tier.MEDIUM, local(2026, 3, 5), local(2026, 3, 10, 15), local(2026, 3, 19))
    permit_for(m1)
    m2 = app(
        m_med,
        R,
        Tier.MEDIUM,
        local(2026, 3, 6, 9),
        local(2026, 3, 27, 12),
        local(2026, 3, 20, 17),
        paused_working_days=3,
        escalation_level=1,
    )
    audit_on(m2, INFO)
    m3 = app(m_med, A, Tier.MEDIUM, local(2026, 3, 2, 9), local(2026, 3, 13, 9), local(2026, 3, 13, 9))
    permit_for(m3, tacit=True)
    app(m_med, W, Tier.MEDIUM, local(2026, 3, 10))
    m5 = app(m_high, A, Tier.HIGH, local(2026, 3, 25), local(2026, 3, 31, 18), local(2026, 4, 15))
    permit_for(m5)
    audit_on(m5, OUT_OF_ORDER)
    m6 = app(m_high, IR, Tier.HIGH, local(2026, 3, 30), due=local(2026, 4, 20))
    audit_on(m6, INFO)

    # the Akimat
    a1 = app(a_low, A, Tier.LOW, local(2026, 3, 3), local(2026, 3, 3))
    permit_for(a1, post_check=PostCheckStatus.PROBLEM_FOUND)
    a2 = app(a_low, A, Tier.LOW, local(2026, 3, 4), local(2026, 3, 4))
    permit_for(a2)
    a3 = app(
        a_med,
        A,
        Tier.MEDIUM,
        local(2026, 3, 20, 16),
        local(2026, 3, 30),
        local(2026, 4, 3),
        paused_working_days=1,
    )
    permit_for(a3)
    audit_on(a3, INFO, times=2)
    audit_on(a3, OUT_OF_ORDER)
    app(a_med, R, Tier.MEDIUM, local(2026, 3, 16, 9), local(2026, 3, 16, 17), local(2026, 3, 30))

    # outside the period, or never submitted
    before = app(m_med, A, Tier.MEDIUM, local(2026, 2, 27), local(2026, 3, 3), local(2026, 3, 13))
    audit_on(before, OUT_OF_ORDER)
    after = app(a_med, IR, Tier.MEDIUM, local(2026, 4, 1, 0, 30), due=local(2026, 4, 15))
    audit_on(after, INFO)
    application_in_state(licence_type=m_med, status="draft", tier="", submitted_at=None)
    return ministry, akimat


def figures(received, decided, approved, rejected, withdrawn, tacit, median, p90, with_deadline, on_time, share,
            escalated, out_of_order, info, drawn, pending, passed, problems):  # fmt: skip
    return {
        "received": received,
        "decided": decided,
        "approved": approved,
        "rejected": rejected,
        "withdrawn": withdrawn,
        "issued_tacitly": tacit,
        "median_working_days": median,
        "p90_working_days": p90,
        "decided_with_deadline": with_deadline,
        "decided_on_time": on_time,
        "on_time_share": share,
        "escalated": escalated,
        "out_of_order_picks": out_of_order,
        "information_requests": info,
        "post_checks_drawn": drawn,
        "post_checks_pending": pending,
        "post_checks_passed": passed,
        "post_checks_problems_found": problems,
    }


# fmt: off
#                          rcv dec appr rej wdr tac  med  p90  dl  ont share   esc ooo inf drw pnd pas prb
MINISTRY_LOW    = figures(2,  2,  2,   0,  0,  0,  0.0, 0.0, 0,  0,  None,   0,  0,  0,  2,  1,  1,  0)
# medium days [2, 8, 9]: median 8; p90 at rank 0.9 * 2 = 1.8: 8 + 0.8 * (9 - 8) = 8.8
MINISTRY_MEDIUM = figures(4,  3,  2,   1,  1,  1,  8.0, 8.8, 3,  1,  0.3333, 1,  0,  1,  0,  0,  0,  0)
MINISTRY_HIGH   = figures(2,  1,  1,   0,  0,  0,  5.0, 5.0, 1,  1,  1.0,    0,  1,  1,  0,  0,  0,  0)
# all days [0, 0, 2, 5, 8, 9]: median (2 + 5) / 2 = 3.5; p90 at rank 4.5: 8 + 0.5 * 1 = 8.5
MINISTRY        = figures(8,  6,  5,   1,  1,  1,  3.5, 8.5, 4,  2,  0.5,    1,  1,  2,  2,  1,  1,  0)
AKIMAT_LOW      = figures(2,  2,  2,   0,  0,  0,  0.0, 0.0, 0,  0,  None,   0,  0,  0,  1,  0,  0,  1)
# medium days [0, 4]: median 2; p90 at rank 0.9: 0 + 0.9 * 4 = 3.6
AKIMAT_MEDIUM   = figures(2,  2,  1,   1,  0,  0,  2.0, 3.6, 2,  2,  1.0,    0,  1,  2,  0,  0,  0,  0)
# all days [0, 0, 0, 4]: median 0; p90 at rank 2.7: 0 + 0.7 * 4 = 2.8
AKIMAT          = figures(4,  4,  3,   1,  0,  0,  0.0, 2.8, 2,  2,  1.0,    0,  1,  2,  1,  0,  0,  1)
# all days [0, 0, 0, 0, 0, 2, 4, 5, 8, 9]: median (0 + 2) / 2 = 1; p90 at rank 8.1: 8 + 0.1 * 1 = 8.1
TOTAL           = figures(12, 10, 8,   2,  1,  1,  1.0, 8.1, 6,  4,  0.6667, 1,  2,  4,  3,  1,  1,  1)
# fmt: on


def test_application_metrics_match_the_hand_computed_figures():
    # given
    ministry, akimat = build_applications()
    mci = {"id": ministry.pk, "code": "mci", "name": "Ministry of Culture"}
    aki = {"id": akimat.pk, "code": "akimat", "name": "Akimat of Almaty"}

    # when
    metrics = application_metrics(START, END)

    # then: authorities by name, tiers low to high
    assert metrics["by_authority_tier"] == [
        {"authority": aki, "tier": "low", **AKIMAT_LOW},
        {"authority": aki, "tier": "medium", **AKIMAT_MEDIUM},
        {"authority": mci, "tier": "low", **MINISTRY_LOW},
        {"authority": mci, "tier": "medium", **MINISTRY_MEDIUM},
        {"authority": mci, "tier": "high", **MINISTRY_HIGH},
    ]
    assert metrics["by_authority"] == [{"authority": aki, **AKIMAT}, {"authority": mci, **MINISTRY}]
    assert metrics["total"] == TOTAL


def test_concern_metrics_match_the_hand_computed_figures():
    # given: the council's concerns of March (the clock stands on 10 April)
    council = CouncilFactory()
    ministry = AuthorityFactory(code="mci", name="Ministry of Culture")
    akimat = AuthorityFactory(code="akimat", name="Akimat of Almaty")
    akimat_licence = LicenceTypeFactory(authority=akimat)
    # answered on time
    ConcernFactory(council=council, authority=ministry, created_at=local(2026, 3, 2), due_at=local(2026, 3, 23),
                   answered=True, answer__at=local(2026, 3, 20))  # fmt: skip
    # about the Akimat's licence type, answered late
    ConcernFactory(council=council, licence_type=akimat_licence, created_at=local(2026, 3, 3),
                   due_at=local(2026, 3, 24), answered=True, answer__at=local(2026, 3, 26))  # fmt: skip
    # open, due after the period: not overdue
    ConcernFactory(
        council=council, authority=ministry, created_at=local(2026, 3, 20), due_at=local(2026, 4, 10)
    )
    # open, due within the period: overdue
    ConcernFactory(council=council, created_at=local(2026, 3, 5), due_at=local(2026, 3, 26))
    # another council's, and one raised in February
    ConcernFactory(created_at=local(2026, 3, 6), authority=ministry)
    ConcernFactory(council=council, created_at=local(2026, 2, 20), authority=ministry)

    # when
    metrics = concern_metrics(council, START, END, now=NOW)

    # then
    def row(received, answered, on_time, late, open_, overdue, share):
        return {
            "received": received,
            "answered": answered,
            "answered_on_time": on_time,
            "answered_late": late,
            "open": open_,
            "overdue": overdue,
            "on_time_share": share,
        }

    assert metrics["by_authority"] == [
        {
            "authority": {"id": akimat.pk, "code": "akimat", "name": "Akimat of Almaty"},
            **row(1, 1, 0, 1, 0, 1, 0.0),
        },
        {
            "authority": {"id": ministry.pk, "code": "mci", "name": "Ministry of Culture"},
            **row(2, 1, 1, 0, 1, 0, 1.0),
        },
        {"authority": None, **row(1, 0, 0, 0, 1, 1, None)},
    ]
    assert metrics["total"] == row(4, 2, 1, 1, 2, 2, 0.5)


def held(council=None, *, opened: dt.datetime, **fields) -> Consultation:
    """A consultation opened at `opened` for three weeks, by the services."""
    council = {"council": council} if council is not None else {}
    return ConsultationFactory(**council, opens_at=opened, closes_at=opened + 21 * DAY, open=True, **fields)


def commented(consultation: Consultation, disposition: str | None) -> None:
    """A comment on the first day it is open, answered two days later with `disposition` if given."""
    comment = comment_on(consultation, now=consultation.opens_at + DAY)
    if disposition:
        answer(comment, disposition=disposition, now=consultation.opens_at + 3 * DAY)


def test_consultation_metrics_match_the_hand_computed_figures():
    # given: two consultations opened in March, one in February, one never opened
    council = CouncilFactory()
    first = held(council, opened=local(2026, 3, 10), title="Venues")
    for disposition in ("accepted", "partly_accepted", "rejected", None):
        commented(first, disposition)
    close(first, now=first.closes_at)
    second = held(council, opened=local(2026, 3, 25), title="Festivals")
    commented(second, "noted")
    commented(held(council, opened=local(2026, 2, 10)), "accepted")
    ConsultationFactory(council=council, opens_at=local(2026, 3, 15), closes_at=local(2026, 4, 5))
    commented(held(opened=local(2026, 3, 12)), "accepted")  # another council

    # when
    metrics = consultation_metrics(council, START, END)

    # then
    assert metrics["items"] == [
        {
            "id": first.pk,
            "title": "Venues",
            "status": "closed",
            "opened_on": "2026-03-10",
            "comments": 4,
            "answered": 3,
            "dispositions": {"accepted": 1, "partly_accepted": 1, "rejected": 1, "noted": 0},
            "accepted_share": 0.6667,
        },
        {
            "id": second.pk,
            "title": "Festivals",
            "status": "open",
            "opened_on": "2026-03-25",
            "comments": 1,
            "answered": 1,
            "dispositions": {"accepted": 0, "partly_accepted": 0, "rejected": 0, "noted": 1},
            "accepted_share": 0.0,
        },
    ]
    assert metrics["total"] == {
        "held": 2,
        "comments": 5,
        "answered": 4,
        "dispositions": {"accepted": 1, "partly_accepted": 1, "rejected": 1, "noted": 1},
        "accepted_share": 0.5,
    }


def _authorities_with_applications(count: int) -> None:
    for n in range(count):
        authority = AuthorityFactory(code=f"bulk{count}-{n}", name=f"Authority {count}-{n}")
        for tier, licence_type in ((Tier.LOW, LicenceTypeFactory(authority=authority, low=True)),
                                   (Tier.MEDIUM, LicenceTypeFactory(authority=authority))):  # fmt: skip
            decided = application_in_state(
                licence_type=licence_type,
                status=A,
                tier=tier,
                submitted_at=local(2026, 3, 2),
                decided_at=local(2026, 3, 5),
                due_at=local(2026, 3, 16) if tier == Tier.MEDIUM else None,
            )
            permit_for(decided)
            audit_on(decided, INFO)


def _queries_for_metrics(council) -> int:
    with CaptureQueriesContext(connection) as queries:
        application_metrics(START, END)
        concern_metrics(council, START, END, now=NOW)
        consultation_metrics(council, START, END)
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_authorities_or_rows():
    # given: two authorities, then ten more
    council = CouncilFactory()
    ConcernFactory(council=council, authority=AuthorityFactory(code="c1"), created_at=local(2026, 3, 3))
    _authorities_with_applications(2)
    few = _queries_for_metrics(council)
    _authorities_with_applications(10)
    for n in range(5):
        ConcernFactory(
            council=council, authority=AuthorityFactory(code=f"c-more-{n}"), created_at=local(2026, 3, 3)
        )

    # when
    many = _queries_for_metrics(council)

    # then: the same, small number of statements
    assert few == many
    assert many <= 10
    assert len(application_metrics(START, END)["by_authority"]) == 12


def test_a_city_council_counts_the_applications_of_its_own_citys_businesses():
    # given: one application from an Almaty business and one from an Astana business, same authority
    licence_type = LicenceTypeFactory(authority=AuthorityFactory())
    for city in ("Almaty", "Astana"):
        application_in_state(
            licence_type=licence_type,
            status=ApplicationStatus.IN_REVIEW,
            tier=Tier.MEDIUM,
            submitted_at=local(2026, 3, 10),
            business=BusinessFactory(city=city),
        )

    # when: the metrics are computed nationally and for Almaty
    national = application_metrics(START, END)
    almaty = application_metrics(START, END, city="almaty")

    # then: the city's figures hold only its own business's application
    assert national["total"]["received"] == 2
    assert almaty["total"]["received"] == 1


def test_a_city_councils_report_uses_its_city_and_a_national_one_everything():
    # given: an application from an Almaty business and one from Astana
    licence_type = LicenceTypeFactory(authority=AuthorityFactory())
    for city in ("Almaty", "Astana"):
        application_in_state(
            licence_type=licence_type,
            status=ApplicationStatus.IN_REVIEW,
            tier=Tier.MEDIUM,
            submitted_at=local(2026, 3, 10),
            business=BusinessFactory(city=city),
        )
    city = CouncilFactory(name="Almaty Creative Council", scope=CouncilScope.CITY, city="Almaty")
    national = CouncilFactory(name="National Creative Council", scope=CouncilScope.NATIONAL)

    # when
    def received(council) -> int:
        return report_metrics(council=council, period_start=START, period_end=END)["applications"]["total"][
            "received"
        ]

    # then
    assert (received(city), received(national)) == (1, 2)
