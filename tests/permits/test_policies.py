"""permits.policies on its own: each check refuses the right people with the right code, and lets the
right one through. The same refusals over HTTP are in test_permissions_matrix.py."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from permits import policies
from permits.errors import PermitErrorCode
from permits.models import ReviewStage
from portal.accounts.models import Clearance
from portal.api.errors import Forbidden, NotFound, ValidationFailed
from tests.factories import AuthorityFactory, EntrepreneurFactory, MembershipFactory, OfficialProfileFactory
from tests.permits.factories import ApplicationFactory, LicenceTypeFactory, official_for

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.datetime(2026, 9, 16, 10, 30, tzinfo=ZoneInfo("Asia/Almaty"))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(WEDNESDAY, tick=False) as traveller:
        yield traveller


def refused_code(check, *args, **kwargs):
    with pytest.raises(Forbidden) as refused:
        check(*args, **kwargs)
    return refused.value.code


def test_check_official_of_refuses_the_applicant_another_authority_and_a_linked_official():
    # given
    application = ApplicationFactory(in_review=True)
    applicant = application.created_by
    elsewhere = OfficialProfileFactory(authority=AuthorityFactory()).user
    linked = official_for(application)
    MembershipFactory(user=linked, business=application.business)
    # when / then
    assert refused_code(policies.check_official_of, application, applicant) == PermitErrorCode.NOT_AN_OFFICIAL
    assert refused_code(policies.check_official_of, application, elsewhere) == PermitErrorCode.NOT_AN_OFFICIAL
    assert (
        refused_code(policies.check_official_of, application, linked) == PermitErrorCode.CONFLICT_OF_INTEREST
    )
    assert policies.check_official_of(application, application.assigned_to).user == application.assigned_to


def test_check_official_of_as_supervisor_refuses_a_plain_official():
    # given
    application = ApplicationFactory(in_review=True)
    supervisor = OfficialProfileFactory(authority_id=application.authority_id, supervisor=True).user
    # when / then
    assert (
        refused_code(policies.check_official_of, application, application.assigned_to, supervisor=True)
        == PermitErrorCode.NOT_A_SUPERVISOR
    )
    assert policies.check_official_of(application, supervisor, supervisor=True).is_supervisor


def test_check_may_review_refuses_low_clearance_and_the_first_reviewer_at_the_second_stage():
    # given
    application = ApplicationFactory(second_review=True)
    first_reviewer = application.reviews.get(stage=ReviewStage.FIRST).reviewer
    medium = OfficialProfileFactory(authority_id=application.authority_id, clearance=Clearance.MEDIUM).user
    second = official_for(application, stage_high=True)
    # when / then
    assert (
        refused_code(policies.check_may_review, application, medium, stage=ReviewStage.SECOND)
        == PermitErrorCode.CLEARANCE_TOO_LOW
    )
    assert (
        refused_code(policies.check_may_review, application, first_reviewer, stage=ReviewStage.SECOND)
        == PermitErrorCode.FOUR_EYES
    )
    assert policies.check_may_review(application, second, stage=ReviewStage.SECOND).user == second


def test_check_assignee_refuses_everyone_but_the_assigned_official():
    # given
    application = ApplicationFactory(in_review=True)
    colleague = official_for(application)
    # when / then
    assert refused_code(policies.check_assignee, application, colleague) == PermitErrorCode.NOT_ASSIGNED
    policies.check_assignee(application, application.assigned_to)


def test_require_official_refuses_an_entrepreneur():
    # given
    entrepreneur = EntrepreneurFactory()
    official = OfficialProfileFactory().user
    # when / then
    assert refused_code(policies.require_official, entrepreneur) == PermitErrorCode.NOT_AN_OFFICIAL
    assert policies.require_official(official).user == official


def test_official_of_same_authority_refuses_a_plain_official_and_names_a_stranger():
    # given
    authority = AuthorityFactory()
    plain = OfficialProfileFactory(authority=authority)
    supervisor = OfficialProfileFactory(authority=authority, supervisor=True)
    stranger = OfficialProfileFactory(authority=AuthorityFactory())
    # when / then
    assert (
        refused_code(policies.official_of_same_authority, supervisor=plain, username=supervisor.user.username)
        == PermitErrorCode.NOT_A_SUPERVISOR
    )
    with pytest.raises(ValidationFailed) as named:
        policies.official_of_same_authority(supervisor=supervisor, username=stranger.user.username)
    assert "official" in named.value.fields
    assert (
        policies.official_of_same_authority(supervisor=supervisor, username=plain.user.username) == plain.user
    )


def test_applicant_checks_hide_a_foreign_file_and_refuse_the_official_who_sees_it():
    # given
    application = ApplicationFactory(in_review=True)
    stranger = EntrepreneurFactory()
    # when / then
    with pytest.raises(NotFound):
        policies.check_applicant_of(stranger, application.pk)
    assert (
        refused_code(policies.check_applicant_of, application.assigned_to, application.pk)
        == PermitErrorCode.NOT_THE_APPLICANT
    )
    assert policies.check_applicant_of(application.created_by, application.pk) == application
    with pytest.raises(NotFound):
        policies.check_member_of(stranger, application.business_id)
    assert policies.check_member_of(application.created_by, application.business_id) == application.business


def test_check_issuing_official_refuses_low_clearance_and_a_linked_official():
    # given
    application = ApplicationFactory(licence_type=LicenceTypeFactory(high=True), approved=True)
    permit = application.permit
    low = OfficialProfileFactory(authority_id=application.authority_id, clearance=Clearance.LOW).user
    linked = official_for(application, stage_high=True)
    MembershipFactory(user=linked, business=application.business)
    # when / then
    assert refused_code(policies.check_issuing_official, permit, application.created_by) == (
        PermitErrorCode.NOT_AN_OFFICIAL
    )
    assert refused_code(policies.check_issuing_official, permit, low) == PermitErrorCode.CLEARANCE_TOO_LOW
    assert (
        refused_code(policies.check_issuing_official, permit, linked) == PermitErrorCode.CONFLICT_OF_INTEREST
    )
