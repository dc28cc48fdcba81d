"""An integrator's client, generated from our schema by `openapi-python-client` (pinned in the dev
requirements) and used unmodified: the generator must report nothing about the schema, every module
it writes must import, and the main journey must walk through it against the real application
(in process, through `httpx.WSGITransport`): sign in, finder, a bundle with answers, uploads,
submit, permits, public verification, the official's queue, an information request, resubmission
and decision, and a consultation from draft to published outcome."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator

from council.models import CouncilRole
from portal.accounts.models import Clearance
from tests.council.consultations_factories import seat
from tests.factories import (
    PASSWORD,
    ActivityCategoryFactory,
    CouncilFactory,
    EntrepreneurFactory,
    OfficialProfileFactory,
)
from tests.permits.factories import PDF_BYTES, DocumentRequirementFactory, LicenceTypeFactory, QuestionFactory

pytestmark = pytest.mark.django_db

PACKAGE = "portal_generated_client"
BIN = Path(sys.executable).parent
MONDAY = dt.datetime(2026, 2, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))  # no holiday near


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker):
    """The package the generator writes from the schema the portal serves, and its output."""
    root = tmp_path_factory.mktemp("generated")
    with django_db_blocker.unblock():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    path = root / "schema.json"
    path.write_text(json.dumps(schema, default=str))
    # The generator's post-hooks run ruff: found on PATH next to the interpreter.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(path),
            "--meta",
            "none",
            "--output-path",
            str(root / PACKAGE),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        check=False,
        timeout=300,
    )
    sys.path.insert(0, str(root))
    yield result
    sys.path.remove(str(root))
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def test_the_generator_reports_nothing_about_the_schema(generated):
    # then
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    assert [line for line in output.splitlines() if "warning" in line.lower()] == [], output


def test_every_generated_module_imports(generated):
    # given
    package = importlib.import_module(PACKAGE)

    # when
    names = [info.name for info in pkgutil.walk_packages(package.__path__, f"{PACKAGE}.")]
    for name in names:
        importlib.import_module(name)

    # then: an operation of every tag, and the error model every operation answers with
    assert f"{PACKAGE}.api.council.council_consultations_publish_outcome" in names
    assert f"{PACKAGE}.models.error" in names
    assert f"{PACKAGE}.models.field_errors" in names


@pytest.fixture
def api(generated, time_machine, settings):
    """The generated package, and clients of it that speak to the application in this process (in
    the test's transaction: the request signals that would close its connection are held off, as
    Django's own test client does)."""
    time_machine.move_to(MONDAY, tick=False)
    settings.PORTAL_POST_CHECK_SHARE = 0.0
    package = importlib.import_module(PACKAGE)
    application = get_wsgi_application()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)

    class Api:
        client = importlib.import_module(f"{PACKAGE}.client")
        models = importlib.import_module(f"{PACKAGE}.models")
        types = importlib.import_module(f"{PACKAGE}.types")

        @staticmethod
        def op(name: str):
            return importlib.import_module(f"{PACKAGE}.api.{name}")

        @classmethod
        def anonymous(cls):
            return cls.client.Client(
                base_url="http://testserver", httpx_args={"transport": httpx.WSGITransport(app=application)}
            )

        @classmethod
        def signed_in(cls, username: str):
            """Sign in with the password through the API; the client sends its default `Bearer`."""
            login = cls.op("auth.auth_token_create").sync_detailed(
                client=cls.anonymous(),
                body=cls.models.TokenInputRequest(username=username, password=PASSWORD),
            )
            assert login.status_code == 200, login.content
            return cls.client.AuthenticatedClient(
                base_url="http://testserver",
                token=login.parsed.token,
                httpx_args={"transport": httpx.WSGITransport(app=application)},
            )

    yield Api
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
    assert package


def ok(response, status: int = 200):
    assert response.status_code == status, response.content
    return response.parsed


@pytest.fixture
def world():
    """A recording studio's activity: a notification (no review) and a permit an official reviews."""

    class World:
        activity = ActivityCategoryFactory(code="music-recording")
        charter = DocumentRequirementFactory(code="company-charter")
        lease = DocumentRequirementFactory(code="premises-lease")
        rooms = QuestionFactory(key="recording_rooms", integer=True)
        title = QuestionFactory(key="studio_name", type="string")
        notice = LicenceTypeFactory(
            code="studio-notice", low=True, documents=[charter], asks=[(title, True)], activities=[activity]
        )
        permit = LicenceTypeFactory(
            code="studio-permit", documents=[charter, lease], asks=[(rooms, True)], activities=[activity]
        )
        official = OfficialProfileFactory(authority=permit.authority, clearance=Clearance.MEDIUM).user
        owner = EntrepreneurFactory(username="daniyar")
        business = owner.memberships.get().business

    return World


def test_the_main_journey_through_the_generated_client(api, world, time_machine):
    m = api.models
    anonymous = api.anonymous()

    # sign in (the generated client's default `Bearer` prefix is accepted)
    owner = api.signed_in("daniyar")
    me = ok(api.op("auth.me_retrieve").sync_detailed(client=owner))
    assert [business.id for business in me.businesses] == [world.business.pk]

    # the public finder: what the activity needs
    found = ok(
        api.op("catalogue.catalogue_finder").sync_detailed(client=anonymous, activity=["music-recording"])
    )
    codes = sorted(item.code for item in found.results)
    assert codes == ["studio-notice", "studio-permit"]
    required = sorted({document.code for item in found.results for document in item.required_documents})
    assert required == ["company-charter", "premises-lease"]

    # a bundle with the answers, each question once
    answers = m.BundleCreateInputRequestAnswers.from_dict(
        {"recording_rooms": 3, "studio_name": "Dala Sessions"}
    )
    bundle = ok(
        api.op("bundles.bundles_create").sync_detailed(
            client=owner,
            body=m.BundleCreateInputRequest(business=world.business.pk, licence_types=codes, answers=answers),
            idempotency_key="bundle-1",
        ),
        201,
    )
    assert bundle.status == m.BundleStatusEnum.DRAFT
    assert [application.licence_type for application in bundle.applications] == codes

    # each document uploaded once, for the whole bundle (multipart)
    for code in required:
        upload = ok(
            api.op("bundles.bundles_documents_create").sync_detailed(
                bundle.id,
                client=owner,
                body=m.DocumentInputRequest(
                    requirement=code,
                    file=api.types.File(
                        payload=io.BytesIO(PDF_BYTES), file_name=f"{code}.pdf", mime_type="application/pdf"
                    ),
                ),
            ),
            201,
        )
        needing = {item.code for item in found.results if code in {d.code for d in item.required_documents}}
        assert sorted(upload.applications) == sorted(
            a.reference for a in bundle.applications if a.licence_type in needing
        )

    # submit: the notification holds its permit at once, the permit goes to the official
    submitted = ok(api.op("bundles.bundles_submit").sync_detailed(bundle.id, client=owner))
    by_code = {application.licence_type: application for application in submitted.applications}
    notice, reviewed = by_code["studio-notice"], by_code["studio-permit"]
    assert notice.status == m.ApplicationStatusEnum.APPROVED
    assert reviewed.status == m.ApplicationStatusEnum.IN_REVIEW
    assert reviewed.assigned_to == world.official.username

    # the holder's permits, and the public verification of the one issued
    permits = ok(api.op("permits.permits_list").sync_detailed(client=owner))
    assert [permit.number for permit in permits.results] == [notice.permit.number]
    verified = ok(
        api.op("public.public_permits_verify").sync_detailed(
            notice.permit.number, client=anonymous, code=notice.permit.verification_code
        )
    )
    assert verified.status == m.PermitStatusEnum.ACTIVE
    assert verified.holder == world.business.name

    # the official's queue holds the file; a document reads back as the bytes uploaded
    time_machine.shift(dt.timedelta(hours=1))
    official = api.signed_in(world.official.username)
    queue = ok(api.op("review.review_queue").sync_detailed(client=official))
    assert [item.id for item in queue.results] == [reviewed.id]
    documents = ok(
        api.op("applications.applications_documents_list").sync_detailed(reviewed.id, client=official)
    )
    lease = next(document for document in documents.results if document.requirement == "premises-lease")
    file = ok(
        api.op("applications.applications_documents_file").sync_detailed(
            reviewed.id, lease.id, client=official
        )
    )
    assert file.payload.read() == PDF_BYTES

    # an information request, answered with a new document and a resubmission
    asked = ok(
        api.op("review.applications_request_info").sync_detailed(
            reviewed.id, client=official, body=m.RequestInfoInputRequest(message="Send the renewed lease.")
        )
    )
    assert asked.status == m.ApplicationStatusEnum.INFO_REQUESTED
    time_machine.shift(dt.timedelta(hours=1))
    ok(
        api.op("applications.applications_documents_create").sync_detailed(
            reviewed.id,
            client=owner,
            body=m.DocumentInputRequest(
                requirement="premises-lease",
                file=api.types.File(
                    payload=io.BytesIO(PDF_BYTES), file_name="lease-2026.pdf", mime_type="application/pdf"
                ),
            ),
        ),
        201,
    )
    resubmitted = ok(
        api.op("applications.applications_resubmit").sync_detailed(
            reviewed.id, client=owner, body=m.ResubmitInputRequest(message="The renewed lease is attached.")
        )
    )
    assert resubmitted.status == m.ApplicationStatusEnum.IN_REVIEW

    # the decision issues the second permit
    time_machine.shift(dt.timedelta(hours=1))
    decided = ok(
        api.op("review.applications_decide").sync_detailed(
            reviewed.id,
            client=official,
            body=m.DecideInputRequest(decision=m.DecisionEnum.APPROVE, reason="Lease and premises fit."),
        )
    )
    assert decided.status == m.ApplicationStatusEnum.APPROVED
    assert decided.permit is not None
    assert ok(api.op("permits.permits_list").sync_detailed(client=owner)).count == 2

    # an error answer is the typed `Error`
    again = api.op("review.applications_decide").sync_detailed(
        reviewed.id,
        client=official,
        body=m.DecideInputRequest(decision=m.DecisionEnum.APPROVE, reason="Again."),
    )
    assert again.status_code == 409
    assert isinstance(again.parsed, m.Error)
    assert isinstance(again.parsed.code, m.ErrorCode)
    assert again.parsed.detail


def test_a_consultation_from_draft_to_published_outcome(api, world, time_machine):
    m = api.models
    council = CouncilFactory(name="National Council for Creative Industries")
    secretary = seat(council, CouncilRole.SECRETARY)
    member = seat(council, CouncilRole.MEMBER)
    officer, council_member = api.signed_in(secretary.username), api.signed_in(member.username)
    owner, anonymous = api.signed_in("daniyar"), api.anonymous()

    # a draft with its sections (a nested JSON body), opened ahead of time
    created = ok(
        api.op("council.council_consultations_create").sync_detailed(
            client=officer,
            body=m.ConsultationCreateInputRequest(
                council=council.pk,
                title="Small studios: notification instead of a permit",
                summary="Studios of up to 15 people notify instead of applying.",
                proposed_act_title="On notifications of small creative studios",
                activities=["music-recording"],
                sections=[
                    m.ConsultationSectionInputRequest(
                        number="1", heading="Scope", text="Studios of up to 15."
                    ),
                    m.ConsultationSectionInputRequest(number="2", text="They notify before starting work."),
                ],
                opens_at=MONDAY + dt.timedelta(days=3),
                closes_at=MONDAY + dt.timedelta(days=24),
            ),
        ),
        201,
    )
    assert (created.status, [section.number for section in created.sections]) == (
        m.ConsultationStatusEnum.DRAFT,
        ["1", "2"],
    )
    opened = ok(api.op("council.council_consultations_open").sync_detailed(created.id, client=officer))
    assert opened.status == m.ConsultationStatusEnum.OPEN

    # an entrepreneur comments; the council closes, answers and publishes the outcome
    time_machine.shift(dt.timedelta(hours=2))  # within the tokens' lifetime
    comment = ok(
        api.op("council.council_consultations_comments_create").sync_detailed(
            created.id,
            client=owner,
            body=m.CommentInputRequest(
                section="1", body="Raise the threshold to 25.", business=world.business.pk
            ),
        ),
        201,
    )
    time_machine.shift(dt.timedelta(hours=2))  # within the tokens' lifetime
    closed = ok(api.op("council.council_consultations_close").sync_detailed(created.id, client=officer))
    assert closed.status == m.ConsultationStatusEnum.CLOSED
    ok(
        api.op("council.council_comments_respond").sync_detailed(
            comment.id,
            client=council_member,
            body=m.CommentRespondInputRequest(
                disposition=m.CommentDispositionEnum.ACCEPTED, reason="Raised to 25 in the final text."
            ),
        )
    )
    published = ok(
        api.op("council.council_consultations_publish_outcome").sync_detailed(
            created.id,
            client=officer,
            body=m.PublishOutcomeInputRequest(summary="Accepted with the threshold at 25."),
        )
    )
    assert published.status == m.ConsultationStatusEnum.OUTCOME_PUBLISHED

    # the public reads the outcome and the answered comment
    public = ok(api.op("council.council_consultations_retrieve").sync_detailed(created.id, client=anonymous))
    assert public.outcome is not None
    comments = ok(
        api.op("council.council_consultations_comments_list").sync_detailed(created.id, client=anonymous)
    )
    assert [c.id for c in comments.results] == [comment.id]
    assert comments.results[0].response is not None
