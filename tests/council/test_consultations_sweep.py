"""The beat sweep (consultation_sweep): opens drafts and closes open consultations on time, only
those that are due, harmlessly when run twice, and once each when two sweeps race."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from council.models import Consultation, ConsultationStatus
from council.services.consultations import consultation_sweep
from council.tasks import consultation_sweep as sweep_task
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.concurrency import run_together
from tests.council.consultations_factories import DAY, ConsultationFactory
from tests.factories import CouncilFactory

S = ConsultationStatus
NOW = dt.datetime(2026, 6, 1, 6, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def statuses(*consultations) -> list[str]:
    return [Consultation.objects.get(pk=c.pk).status for c in consultations]


@pytest.mark.django_db
def test_the_sweep_opens_and_closes_exactly_what_is_due():
    # given: drafts opening before and after the moment, open ones closing before and after it
    with time_machine.travel(NOW - 10 * DAY, tick=False):
        due_draft = ConsultationFactory(opens_at=NOW - HOUR, closes_at=NOW + 10 * DAY)
        early_draft = ConsultationFactory(opens_at=NOW + HOUR, closes_at=NOW + 10 * DAY)
        due_open = ConsultationFactory(open=True, closes_at=NOW - HOUR)
        running = ConsultationFactory(open=True, closes_at=NOW + HOUR)

    # when
    with time_machine.travel(NOW, tick=False):
        done = sweep_task()

    # then
    assert done == {"opened": 1, "closed": 1}
    assert statuses(due_draft, early_draft, due_open, running) == [S.OPEN, S.DRAFT, S.CLOSED, S.OPEN]
    opened = Consultation.objects.get(pk=due_draft.pk)
    assert (opened.opens_at, opened.opened_at) == (NOW - HOUR, NOW)  # on time: the planned opening stays
    system = AuditEvent.objects.filter(actor_label="system", action__startswith="council.consultation_")
    assert sorted(system.values_list("action", flat=True)) == [
        "council.consultation_closed",
        "council.consultation_opened",
    ]


@pytest.mark.django_db
def test_the_beat_task_logs_what_it_changed_and_nothing_when_idle(caplog):
    # given
    with time_machine.travel(NOW - 10 * DAY, tick=False):
        ConsultationFactory(opens_at=NOW - HOUR, closes_at=NOW + 10 * DAY)
    caplog.set_level(logging.INFO, logger=sweep_task.__module__)

    # when: it runs when a draft is due, and once more right after
    with time_machine.travel(NOW, tick=False):
        sweep_task()
        sweep_task()

    # then
    assert [r.getMessage() for r in caplog.records if r.name == sweep_task.__module__] == [
        "Consultation sweep: 1 opened"
    ]


@pytest.mark.django_db
def test_a_second_sweep_changes_nothing():
    # given
    with time_machine.travel(NOW - 10 * DAY, tick=False):
        ConsultationFactory(opens_at=NOW - HOUR, closes_at=NOW + 10 * DAY)
        ConsultationFactory(open=True, closes_at=NOW - HOUR)
    with time_machine.travel(NOW, tick=False):
        sweep_task()
    before = (AuditEvent.objects.count(), Notification.objects.count())

    # when
    with time_machine.travel(NOW + dt.timedelta(seconds=60), tick=False):
        again = sweep_task()

    # then
    assert again == {"opened": 0, "closed": 0}
    assert (AuditEvent.objects.count(), Notification.objects.count()) == before


@pytest.mark.django_db
def test_a_draft_whose_whole_period_passed_is_left_to_the_officers():
    # given: beat was down for the whole period
    with time_machine.travel(NOW - 30 * DAY, tick=False):
        stale = ConsultationFactory(opens_at=NOW - 20 * DAY, closes_at=NOW - DAY)

    # when
    with time_machine.travel(NOW, tick=False):
        done = sweep_task()

    # then
    assert done == {"opened": 0, "closed": 0}
    assert statuses(stale) == [S.DRAFT]


@pytest.mark.django_db
def test_the_sweep_reads_only_due_rows_in_a_fixed_number_of_queries():
    # given: many consultations that are not due, and none that are
    with time_machine.travel(NOW - 10 * DAY, tick=False):
        council = CouncilFactory()
        for _ in range(5):
            ConsultationFactory(council=council, opens_at=NOW + DAY)
            ConsultationFactory(council=council, open=True, closes_at=NOW + DAY)

    # when
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as idle:
        done = sweep_task()

    # then: two counts, no batch, whatever the table holds
    assert done == {"opened": 0, "closed": 0}
    assert len(idle.captured_queries) == 2
    assert all("consultation" in q["sql"] for q in idle.captured_queries)


@pytest.mark.django_db
def test_the_due_queries_use_the_partial_indexes():
    # given: enough rows that the planner would rather use an index than scan
    with time_machine.travel(NOW - 10 * DAY, tick=False):
        ConsultationFactory(opens_at=NOW - HOUR, closes_at=NOW + DAY)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = {}
        for name, sql in (
            (
                "consultation_to_open_idx",
                "SELECT id FROM council_consultation WHERE status = 'draft' AND opens_at <= %s",
            ),
            (
                "consultation_to_close_idx",
                "SELECT id FROM council_consultation WHERE status = 'open' AND closes_at <= %s",
            ),
        ):
            # when
            cursor.execute("EXPLAIN " + sql, [NOW])
            plans[name] = "\n".join(row[0] for row in cursor.fetchall())

    # then
    for name, plan in plans.items():
        assert name in plan, plan


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_do_each_consultation_once():
    # given: twelve drafts due to open and twelve open ones due to close
    with time_machine.travel(NOW - 10 * DAY, tick=False):
        council = CouncilFactory()
        drafts = [
            ConsultationFactory(council=council, opens_at=NOW - HOUR, closes_at=NOW + DAY) for _ in range(12)
        ]
        running = [ConsultationFactory(council=council, open=True, closes_at=NOW - HOUR) for _ in range(12)]

    # when
    with time_machine.travel(NOW, tick=False):
        results = run_together([lambda: consultation_sweep(now=NOW, batch_size=3)] * 2)

    # then: all moved, each exactly once, and a later sweep finds nothing
    assert sum(r["opened"] for r in results) == 12
    assert sum(r["closed"] for r in results) == 12
    assert set(statuses(*drafts)) == {S.OPEN}
    assert set(statuses(*running)) == {S.CLOSED}
    for consultation in drafts:
        assert (
            AuditEvent.objects.filter(
                action="council.consultation_opened", object_id=str(consultation.pk)
            ).count()
            == 1
        )
    for consultation in running:
        assert (
            AuditEvent.objects.filter(
                action="council.consultation_closed", object_id=str(consultation.pk)
            ).count()
            == 1
        )
    with time_machine.travel(NOW, tick=False):
        assert consultation_sweep(now=NOW) == {"opened": 0, "closed": 0}
