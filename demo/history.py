"""Demo permits history: eight more creative businesses and their applications of the last two quarters.

The accountability report published by the demo (last quarter's) and the strategy's goals count
applications, decisions, deadlines and businesses; without a history they would all be zero. This
module writes one: eight entrepreneurs registered over the last nine months, and about sixty
applications submitted from the first day of the previous quarter up to two working days ago, to all
five demo authorities, in all three tiers, with approvals, reasoned rejections, withdrawals,
information requests, four-eyes decisions, a file claimed out of turn, escalations, a tacit approval
and post-issue checks.

How it is written: a replay on a simulated clock. Every step goes through the real services in the
order it happens on that clock (submissions, officials' actions, applicants' answers, post-issue
checks), interleaved with the SLA sweep, run with the simulated time as its `now` a few minutes
after each moment a row becomes due (a reminder, a deadline, an expiry), as the periodic sweep would
be. Each service call and each sweep takes the simulated moment as its `now`, so the due and
reminder moments, the paused working days, the decision, the permit's validity and post-issue check
and the sweep's next look are the services' own; only the two stamps the model sets itself (the
draft's `created_at`, the `updated_at` of the step) are moved to the moment afterwards, by
`_backdate`. At each step the database therefore holds what it held at that moment:
assignment sees the officials' real load, the oldest-first rule sees the real queues, and the sweep
sees the real deadlines, so reminders, escalations and the tacit approval are the sweep's own. A
last sweep runs at the real time.

Properties of the demo history, by design:
- Audit events are append-only (a database trigger refuses changes), so they keep the seeding day as
  their time; the audit trail of the history shows when it was loaded, in the order it happened.
  The same holds for notifications (written when seeding, as the outbox of a real run would be),
  reference and permit numbers (their year is the seeding year) and the `updated_at` of the rows
  the sweep changes.
- Nothing is left waiting on an official's decision: a file still open at the end waits on its
  applicant (information requested), or has been taken over by the authority's supervisor after its
  deadline passed. So the oldest-first rule never holds up the first file an official of the demo
  decides.
- Which low-risk permits are drawn for a post-issue check is the portal's own reproducible draw
  (`PORTAL_POST_CHECK_SHARE`), not chosen here.

Idempotent: the history is recognised by its businesses' BINs and written in one transaction, so a
second run creates nothing.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from permits.calendar import add_working_days, exceptions_between, is_working_day
from permits.models import (
    ActivityCategory,
    Application,
    ApplicationStatus,
    Document,
    LicenceType,
    Message,
    Permit,
    PostCheckStatus,
    Review,
    ReviewOutcome,
    Tier,
)
from permits.services.applications import application_create, application_submit, application_withdraw
from permits.services.documents import application_document_attach
from permits.services.permits import permit_post_check
from permits.services.review import (
    application_claim,
    application_decide,
    application_reassign,
    application_request_info,
    application_resubmit,
    conflict_declare,
)
from permits.services.sla_sweep import sla_sweep
from portal.accounts import services as accounts
from portal.accounts.models import (
    Business,
    BusinessKind,
    ConflictOfInterest,
    Membership,
    OfficialProfile,
    User,
)
from portal.api.errors import InvalidState

S = ApplicationStatus
IE, LLP = BusinessKind.INDIVIDUAL_ENTREPRENEUR, BusinessKind.COMPANY

HISTORY_ENTREPRENEURS = [
    # username, first, last, business name, BIN, kind, city, smart-city zone, activity
    ("askar", "Askar", "Zhunusov", "Zhuldyz Events LLP", "180540012736", LLP, "Almaty", True, "live-events"),
    ("aliya", "Aliya", "Omarova", "Kok Film LLP", "201140029184", LLP, "Almaty", False, "film-production"),
    ("gaukhar", "Gaukhar", "Tulegenova", "Qazaq Craft Workshop", "850414450129", IE, "Shymkent", False,
     "folk-crafts"),
    ("nurlan", "Nurlan", "Abdrakhmanov", "Nomad Games LLP", "210340034563", LLP, "Astana", True,
     "games-software"),
    ("marat", "Marat", "Sadykov", "Alatau Creative Hub LLP", "160940018899", LLP, "Almaty", False,
     "coworking-hubs"),
    ("yerbol", "Yerbol", "Kaliyev", "Bayterek Architects LLP", "190740022012", LLP, "Astana", True,
     "architecture"),
    ("zarina", "Zarina", "Ismailova", "Tumar Advertising LLP", "170240055304", LLP, "Almaty", False,
     "advertising"),
    ("dana", "Dana", "Kairatova", "Dana Kairatova Atelier", "931122450677", IE, "Shymkent", True, "fashion"),
]  # fmt: skip
HISTORY_BINS = [row[4] for row in HISTORY_ENTREPRENEURS]

# An official of the fire-safety committee declared a family link to the events company: the second
# review of its high-risk files then has no eligible official left, and the supervisor claims them.
CONFLICT = ("mes-senior2", "askar", "The official's brother-in-law is a co-founder of Zhuldyz Events LLP.")

REGISTERED_DAYS_AGO = (270, 250, 228, 205, 185, 160, 138, 118)  # in the order of HISTORY_ENTREPRENEURS
SWEEP_DELAY = dt.timedelta(minutes=5)  # the periodic SLA sweep runs every few minutes
DAY_START, DAY_END = dt.time(9, 15), dt.time(17, 45)  # officials and applicants act in working hours
POST_CHECK_AFTER = (2, 4, 5, 7, 8, 13)  # working days from issue to a sampled permit's check (> 10: late)
MAX_WAITS = 24  # hours an official's action waits for older files in their queue before going ahead


# --- the history's script --------------------------------------------------------------------------


class Step(NamedTuple):
    action: str  # ask, answer, approve, reject, withdraw, claim, takeover
    days: int  # working days after the previous step (0: later the same day)
    text: str = ""
    legal_basis: str | None = None
    requirement: str | None = None


def approve(days: int, reason: str = "") -> Step:
    return Step("approve", days, reason)


def reject(days: int, reason: str, *, legal_basis: str | None = None, requirement: str | None = None) -> Step:
    return Step("reject", days, reason, legal_basis, requirement)


def ask(days: int, message: str) -> Step:
    return Step("ask", days, message)


def answer(days: int, message: str) -> Step:
    return Step("answer", days, message)


def withdraw(days: int, reason: str) -> Step:
    return Step("withdraw", days, reason)


def claim(days: int, out_of_order_reason: str = "") -> Step:
    return Step("claim", days, out_of_order_reason)


def takeover(days: int, reason: str) -> Step:
    return Step("takeover", days, reason)


class Case(NamedTuple):
    owner: str  # username of HISTORY_ENTREPRENEURS
    licence_type: str
    answers: dict[str, Any]
    # No steps: a low-tier notification is issued at once; a tacit-approval type waits for the sweep.
    steps: tuple[Step, ...] = ()


# Answers that keep each licence type at its base tier; a case overrides some to raise it. Every
# question that can raise the tier is answered: an unanswered one counts as the answer raising it.
BASE_ANSWERS: dict[str, dict[str, Any]] = {
    "concert-notification": {"expected_attendance": 300, "venue_type": "indoor", "minors_involved": False},
    "film-shoot-notification": {"minors_involved": False, "venue_type": "indoor"},
    "film-distribution-certificate": {"broadcast_reach": "regional"},
    "media-registration": {"broadcast_reach": "local"},
    "broadcast-licence": {"broadcast_reach": "regional", "minors_involved": False},
    "heritage-works-permit": {"heritage_site": True, "outdoor_structures": False},
    "fire-safety-notification": {"premises_area_m2": 250},
    "event-fire-safety-permit": {
        "expected_attendance": 400,
        "venue_type": "indoor",
        "pyrotechnics": False,
        "outdoor_structures": False,
    },
    "pyrotechnics-licence": {"pyrotechnics": True, "expected_attendance": 2000},
    "sanitary-notification": {"premises_area_m2": 150, "food_service": False},
    "sanitary-event-permit": {
        "expected_attendance": 400,
        "food_service": True,
        "alcohol": False,
        "venue_type": "indoor",
    },
    "studio-noise-permit": {"premises_area_m2": 120, "minors_involved": False},
    "personal-data-notification": {"minors_involved": False},
    "online-platform-registration": {"minors_involved": False, "broadcast_reach": "local"},
    "drone-filming-permit": {"venue_type": "outdoor", "heritage_site": False, "expected_attendance": 200},
    "architecture-licence": {"heritage_site": False},
    "facade-change-permit": {"ad_area_m2": 8, "heritage_site": False},
    "outdoor-ad-permit": {"ad_area_m2": 24, "outdoor_structures": True},
    "location-filming-permit": {
        "venue_type": "outdoor",
        "heritage_site": False,
        "outdoor_structures": False,
        "pyrotechnics": False,
    },
    "alcohol-retail-licence": {"alcohol": True, "expected_attendance": 300},
    "fair-trade-notification": {"food_service": False},
}

OUT_OF_TURN = "The festival opens on Saturday and its fire clearance is waiting on this second review."

# In the order they are submitted, spread evenly over the period (a long case is moved earlier when it
# would not end two working days before today).
CASES: list[Case] = [
    Case("askar", "concert-notification",
         {"project_title": "Almaty Jazz Nights", "expected_attendance": 450}),
    Case("aliya", "film-shoot-notification", {"project_title": "Steppe Wind"}),
    Case("askar", "event-fire-safety-permit", {"expected_attendance": 450}, (approve(8),)),
    Case("nurlan", "personal-data-notification", {}),
    Case("marat", "sanitary-notification", {"premises_area_m2": 800}),
    Case("aliya", "location-filming-permit", {"project_title": "Steppe Wind", "outdoor_structures": True},
         (approve(3, "Route, parking of the film unit and insurance agreed with the district."),)),
    Case("yerbol", "architecture-licence", {}, (
        ask(4, "The list of qualified staff lacks the category II certificates of two of the architects. "
               "Please add them."),
        answer(3, "Both certificates are attached to the updated staff list."),
        approve(5, "First review: staff qualifications, portfolio and insurance meet the requirements."),
        approve(3),
    )),
    Case("gaukhar", "fire-safety-notification", {"premises_area_m2": 120}),
    Case("zarina", "outdoor-ad-permit", {"ad_area_m2": 36}, (approve(6),)),
    Case("askar", "pyrotechnics-licence", {"expected_attendance": 4000}, (
        approve(4, "First review: certificate of the pyrotechnician, insurance and staff are in order."),
        claim(8),
        approve(1, "Second review: safety distances and storage of the products checked; approved."),
    )),
    Case("dana", "sanitary-notification", {"premises_area_m2": 200}),
    Case("askar", "event-fire-safety-permit",
         {"expected_attendance": 2500, "venue_type": "outdoor", "pyrotechnics": True,
          "outdoor_structures": True},
         (approve(5, "First review: evacuation routes and the fireworks zone are marked on the site plan."),
          claim(1, OUT_OF_TURN),
          approve(0, "Second review: fire posts and the safety zone around the launch site confirmed."))),
    Case("nurlan", "online-platform-registration",
         {"project_title": "Tulpar Racing", "minors_involved": True},
         (approve(2, "Age rating and parental controls are described; registered."),)),
    Case("marat", "studio-noise-permit", {"premises_area_m2": 180}, (
        ask(3, "The noise measurement protocol predates the new sound insulation. Please send a protocol "
               "measured after the works."),
        answer(4, "New protocol from the accredited laboratory attached."),
        approve(3, "The new protocol shows the night-time limits are met."),
    )),
    Case("aliya", "drone-filming-permit", {},
         (approve(1, "Flight zone and times coordinated with air traffic."),)),
    Case("gaukhar", "fair-trade-notification", {}),
    Case("zarina", "media-registration", {"project_title": "Tumar Weekly", "broadcast_reach": "regional"}),
    Case("askar", "sanitary-event-permit",
         {"expected_attendance": 2500, "venue_type": "outdoor"}, (approve(6),)),
    Case("yerbol", "heritage-works-permit", {"outdoor_structures": True}, (
        reject(5, "The works plan changes the load-bearing facade of the monument; such works need the "
                  "prior opinion of the scientific and methodological council.", legal_basis="heritage"),
    )),
    Case("dana", "fire-safety-notification", {"premises_area_m2": 350}),
    Case("marat", "alcohol-retail-licence", {}, (
        approve(11), approve(6, "Second review after the escalation: premises and conclusion are in order."),
    )),
    Case("aliya", "film-distribution-certificate",
         {"project_title": "Steppe Wind", "broadcast_reach": "national"}, (approve(4),)),
    Case("nurlan", "fire-safety-notification", {"premises_area_m2": 450}),
    Case("askar", "concert-notification",
         {"project_title": "Open Air Medeu", "expected_attendance": 1800, "venue_type": "outdoor"},
         (approve(2, "Stage, stewarding and first aid plan checked; the concert may take place."),)),
    Case("zarina", "outdoor-ad-permit", {"ad_area_m2": 72}, (
        approve(4, "First review: the structure's calculations and the layout are complete."),
        reject(3, "A structure larger than 50 m² may not be placed on this site of the city centre.",
               legal_basis="almaty-outdoor-ad-rules"),
    )),
    Case("gaukhar", "sanitary-notification", {"premises_area_m2": 90, "food_service": True},
         (approve(4, "The tea corner of the workshop meets the sanitary rules."),)),
    Case("marat", "event-fire-safety-permit", {"expected_attendance": 700},
         (approve(12, "Evacuation plan and fire posts checked on site; approved."),)),
    Case("aliya", "location-filming-permit",
         {"project_title": "Steppe Wind", "heritage_site": True, "outdoor_structures": True},
         (approve(2), approve(2, "Second review: no structures touch the monument; approved."))),
    Case("dana", "facade-change-permit", {"ad_area_m2": 6}),
    Case("zarina", "personal-data-notification", {}),
    Case("yerbol", "drone-filming-permit", {}, (
        ask(1, "Please give the flight altitude and send the pilot's certificate, it is missing from the "
               "registration document."),
        answer(2, "Altitude up to 120 m; the pilot's certificate is attached."),
        approve(1),
    )),
    Case("askar", "drone-filming-permit", {"expected_attendance": 5000}, (approve(2), approve(2))),
    Case("askar", "event-fire-safety-permit", {"expected_attendance": 900, "venue_type": "outdoor"},
         (approve(16, "Site inspected after the escalation; the fire posts are in place."),)),
    Case("marat", "concert-notification", {"project_title": "Hub Sessions", "expected_attendance": 250}),
    Case("marat", "fire-safety-notification", {"premises_area_m2": 1400},
         (approve(9, "The hub's sprinklers and evacuation exits fit its 1,400 m²."),)),
    Case("aliya", "broadcast-licence", {"broadcast_reach": "national"}, (
        ask(5, "The premises lease runs out before the licence would start. Please send the extended lease."),
        answer(6, "The lease is extended for three years; the addendum is attached."),
        approve(4, "First review: staff, premises and equipment meet the requirements."),
        approve(3),
    )),
    Case("askar", "sanitary-event-permit",
         {"expected_attendance": 1200, "alcohol": True, "venue_type": "mixed"}, (
        approve(7, "First review: catering, water supply and toilets are sufficient."),
        reject(3, "The caterer's sanitary conclusion does not cover the sale of alcoholic drinks.",
               requirement="sanitary-conclusion"),
    )),
    Case("dana", "fair-trade-notification", {}),
    Case("zarina", "location-filming-permit",
         {"project_title": "Spring campaign of a bank", "outdoor_structures": True},
         (withdraw(2, "Our client cancelled the shoot."),)),
    Case("nurlan", "online-platform-registration", {"project_title": "Qoyan Quest"}),
    Case("marat", "concert-notification",
         {"project_title": "Alatau Winter Fest", "expected_attendance": 3500, "venue_type": "mixed"},
         (approve(6), approve(2))),
    Case("aliya", "film-shoot-notification", {"project_title": "Aral", "minors_involved": True},
         (approve(3, "A child protection officer is named for the shooting days."),)),
    Case("marat", "sanitary-event-permit", {}, (approve(5),)),
    Case("yerbol", "facade-change-permit", {"ad_area_m2": 12, "heritage_site": True}, (
        ask(6, "The building belongs to a protected ensemble. Please send the opinion of the heritage "
               "department on the new facade."),
        answer(5, "The department's opinion is attached."),
        reject(3, "The heritage department does not agree to the new cladding of the facade.",
               legal_basis="heritage"),
    )),
    Case("nurlan", "personal-data-notification", {"minors_involved": True},
         (approve(3, "Consent of parents is collected for players under 18."),)),
    Case("yerbol", "fire-safety-notification", {"premises_area_m2": 300}),
    Case("aliya", "pyrotechnics-licence", {}, (approve(10), approve(6))),
    Case("yerbol", "heritage-works-permit", {}, (approve(4, "The revised plan keeps the facade as it is."),)),
    Case("askar", "concert-notification",
         {"project_title": "Jazz Nights: autumn", "expected_attendance": 480}),
    Case("askar", "alcohol-retail-licence", {}, (approve(6), approve(4))),
    Case("gaukhar", "sanitary-notification", {"premises_area_m2": 140, "food_service": True},
         (approve(12, "Checked after the escalation: the kitchen corner meets the rules."),)),
    Case("aliya", "drone-filming-permit", {},
         (approve(7, "Approved after coordination with the airport, which took longer than planned."),)),
    Case("zarina", "media-registration", {"project_title": "Tumar Digital"}),
    Case("aliya", "film-distribution-certificate", {"project_title": "Aral"}, (approve(3),)),
    Case("dana", "facade-change-permit", {"ad_area_m2": 8}, (
        ask(2, "Please send a photo-montage of the signboard on the facade."),
        withdraw(4, "We are moving the atelier to another building."),
    )),
    Case("askar", "event-fire-safety-permit", {"expected_attendance": 600}, (
        takeover(12, "The deadline passed without a decision; I take over the file."),
    )),
    Case("gaukhar", "fair-trade-notification", {}),
    Case("marat", "sanitary-notification", {"premises_area_m2": 800, "food_service": True}, (
        ask(2, "Please send the sanitary conclusion of the café operator in the hub."),
    )),
    Case("nurlan", "online-platform-registration", {"project_title": "Dombra Hero"}),
    Case("marat", "concert-notification",
         {"project_title": "Hub Sessions: winter", "expected_attendance": 200}),
    Case("zarina", "fire-safety-notification", {"premises_area_m2": 220}),
    Case("zarina", "outdoor-ad-permit", {"ad_area_m2": 24}, (approve(1),)),
    Case("zarina", "media-registration",
         {"project_title": "Kazakhstan Today", "broadcast_reach": "national"}, (
        reject(2, "The title repeats that of a periodical already on the register.",
               legal_basis="mass-media"),
    )),
]  # fmt: skip

APPROVALS = [
    "Documents complete and consistent; the requirements of the legal basis are met.",
    "Site plan and safety measures checked; no remarks.",
    "All required documents are valid; approved.",
    "Checked against the requirements; the activity may proceed.",
]
FIRST_APPROVALS = [
    "First review: documents complete; I recommend approval.",
    "First review: staff, premises and insurance meet the requirements.",
]
SECOND_APPROVALS = [
    "Second review: I confirm the first reviewer's conclusion.",
    "Second review: documents and safety measures checked again; approved.",
]
CHECK_PASSED = "On-site check: the premises match the notification and the evacuation plan is posted."
CHECK_PROBLEM = (
    "On-site check: the inspection tags of the fire extinguishers have lapsed; the holder was told to "
    "renew them within ten days."
)
WAITED_TOO_LONG = "Taken ahead of an older file that waits on an expert opinion; the event date is close."


# --- calendar helpers ------------------------------------------------------------------------------


def previous_quarter_start(today: dt.date) -> dt.date:
    """The first day of the calendar quarter before the one `today` falls in."""
    month = 3 * ((today.month - 1) // 3) + 1 - 3
    return dt.date(today.year, month, 1) if month > 0 else dt.date(today.year - 1, month + 12, 1)


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def working_days(first: dt.date, last: dt.date) -> list[dt.date]:
    exceptions = exceptions_between(first, last)
    return [
        first + dt.timedelta(days=n)
        for n in range((last - first).days + 1)
        if is_working_day(first + dt.timedelta(days=n), exceptions)
    ]


def _time_of_day(rng: random.Random) -> dt.time:
    minutes = rng.randint(DAY_START.hour * 60 + DAY_START.minute, DAY_END.hour * 60 + DAY_END.minute)
    return dt.time(minutes // 60, minutes % 60)


def _later(moment: dt.datetime, days: int, rng: random.Random) -> dt.datetime:
    """A moment in working hours `days` working days after `moment` (0: later the same day)."""
    if days == 0:
        candidate = moment + dt.timedelta(minutes=rng.randint(30, 150))
        if timezone.localtime(candidate).time() <= DAY_END:
            return candidate
        days = 1
    day = timezone.localdate(add_working_days(moment, days))
    return _local(day, _time_of_day(rng))


def _next_hour(moment: dt.datetime) -> dt.datetime:
    candidate = moment + dt.timedelta(hours=1)
    if timezone.localtime(candidate).time() <= DAY_END:
        return candidate
    return _local(timezone.localdate(add_working_days(moment, 1)), DAY_START)


# --- documents -------------------------------------------------------------------------------------


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def demo_pdf(title: str, subtitle: str) -> bytes:
    """A one-page PDF naming the document and its holder (what an uploaded scan would show)."""
    content = (
        f"BT /F1 16 Tf 72 770 Td ({_pdf_text(title)}) Tj 0 -24 Td /F1 11 Tf ({_pdf_text(subtitle)}) Tj ET"
    )
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(content.encode('latin-1'))} >>\nstream\n{content}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("latin-1")
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("latin-1")
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode(
        "latin-1"
    )
    return bytes(out)


# --- moving what the model stamped to its moment ---------------------------------------------------


def _backdate(
    application: Application, *, since: dt.datetime, at: dt.datetime, drafted_at: dt.datetime
) -> None:
    """Move the two stamps the model sets itself with the real time to the simulated moments: the
    draft's `created_at` (auto_now_add) and the `updated_at` of the step just done (auto_now). Every
    other time the services and the sweep wrote with the simulated `now`. Audit events are never
    touched (append-only)."""
    fields: dict[str, Any] = {"updated_at": at}
    if application.created_at >= since:
        fields["created_at"] = drafted_at
    Application.objects.filter(pk=application.pk).update(**fields)
    application.refresh_from_db()


# --- the replay ------------------------------------------------------------------------------------


@dataclass
class Run:
    case: Case
    submit_at: dt.datetime
    application: Application | None = None
    drafted_at: dt.datetime | None = None
    next_step: int = 0
    waits: int = 0


class History:
    """The replay: a queue of (moment, event) taken in time order; each event is one service call (or
    one sweep) with its moment as `now`, followed by `_backdate` of the model's own stamps. The random choices (times of day, reasons) come
    from a seeded generator, so a run on a given day is reproducible."""

    def __init__(self, out: Callable[[str], None]):
        self.out = out
        self.rng = random.Random("kz-creative-permits-history")
        self.now = timezone.now()
        self.since = self.now
        self.queue: list[tuple[dt.datetime, int, str, Any]] = []
        self.order = itertools.count()
        self.sweeps: set[dt.datetime] = set()
        self.users: dict[str, User] = {}
        self.businesses: dict[str, Business] = {}
        self.submitted = 0
        self.checks_done = 0
        today = timezone.localdate(self.now)
        self.start = previous_quarter_start(today)
        self.days = working_days(self.start, today - dt.timedelta(days=1))[:-1]  # up to two working days ago
        self.end = _local(self.days[-1], DAY_END)

    # scheduling

    def at(self, moment: dt.datetime, kind: str, payload: Any = None) -> None:
        moment = min(moment, self.now - dt.timedelta(minutes=1))  # never in the future
        heapq.heappush(self.queue, (moment, next(self.order), kind, payload))

    def sweep_after(self, *moments: dt.datetime | None) -> None:
        """The periodic sweep's first run after each moment a row becomes due (a sweep in between
        would find nothing to do); moments from now on are left to the sweep at the real time."""
        for moment in moments:
            if moment is None or moment + SWEEP_DELAY >= self.now or moment + SWEEP_DELAY in self.sweeps:
                continue
            self.sweeps.add(moment + SWEEP_DELAY)
            heapq.heappush(self.queue, (moment + SWEEP_DELAY, next(self.order), "sweep", None))

    def plan(self) -> list[Run]:
        """Submission moments: the cases spread evenly over the period's working days, in order."""
        runs = []
        last = len(self.days) - 1
        for index, case in enumerate(CASES):
            span = sum(step.days for step in case.steps) + self._tacit_span(case)
            position = round(index * last / max(1, len(CASES) - 1)) + self.rng.randint(-1, 1)
            position = max(0, min(position, last - span))
            moment = _local(self.days[position], _time_of_day(self.rng))
            runs.append(Run(case=case, submit_at=moment))
        return runs

    @staticmethod
    def _tacit_span(case: Case) -> int:
        """A case without steps on a tacit-approval type ends when the sweep deems it approved."""
        if case.steps:
            return 0
        licence_type = LicenceType.objects.get(code=case.licence_type)
        return licence_type.deadline_for(Tier.MEDIUM) + 1 if licence_type.tacit_approval else 0

    # the run

    def run(self) -> None:
        runs = self.plan()
        first_submission: dict[str, dt.datetime] = {}
        for run in sorted(runs, key=lambda r: r.submit_at):
            first_submission.setdefault(run.case.owner, run.submit_at)
        self.register(first_submission)
        for run in runs:
            self.at(run.submit_at, "submit", run)
        while self.queue:
            moment, _, kind, payload = heapq.heappop(self.queue)
            if kind == "submit":
                self.submit(payload, moment)
            elif kind == "step":
                self.step(payload, moment)
            elif kind == "check":
                self.post_check(*payload, moment)
            else:
                self.sweep(moment)
        self.sweep(None)  # the sweep at the real time, as the periodic task would run it
        self.summary(runs)

    def register(self, first_submission: dict[str, dt.datetime]) -> None:
        """The entrepreneurs and their businesses, registered over the last nine months."""
        activities = {a.code: a for a in ActivityCategory.objects.all()}
        for row, days_ago in zip(HISTORY_ENTREPRENEURS, REGISTERED_DAYS_AGO, strict=True):
            username, first, last, name, bin_, kind, city, smart, activity = row
            registered = _local(timezone.localdate(self.now) - dt.timedelta(days=days_ago), dt.time(10, 30))
            if username in first_submission:
                registered = min(registered, first_submission[username] - dt.timedelta(days=7))
            user = accounts.demo_user_create(
                username=username, first_name=first, last_name=last, now=registered - dt.timedelta(minutes=20)
            )
            business = accounts.business_create(
                actor=None,
                name=name,
                bin=bin_,
                kind=kind,
                city=city,
                in_smart_city_zone=smart,
                activity=activities[activity],
                owner=user,
                now=registered,
            )
            self.users[username] = user
            self.businesses[username] = business
        official_name, owner, reason = CONFLICT
        official = User.objects.get(username=official_name)
        conflict_declare(
            actor=official,
            official=official,
            business=self.businesses[owner],
            reason=reason,
            now=self.businesses[owner].created_at + dt.timedelta(days=3),
        )
        registered = Business.objects.filter(bin__in=HISTORY_BINS).order_by("created_at")
        first, last = (timezone.localdate(b.created_at) for b in (registered.first(), registered.last()))
        self.out(f"entrepreneurs: {len(HISTORY_ENTREPRENEURS)} businesses registered from {first} to {last}")

    def submit(self, run: Run, moment: dt.datetime) -> None:
        case = run.case
        owner, business = self.users[case.owner], self.businesses[case.owner]
        licence_type = LicenceType.objects.get(code=case.licence_type)
        drafted = moment - dt.timedelta(minutes=self.rng.randint(25, 90))
        application = application_create(
            actor=owner,
            business=business,
            licence_type=licence_type,
            answers={**BASE_ANSWERS[case.licence_type], **case.answers},
        )
        for requirement in licence_type.required_documents.order_by("code"):
            upload = SimpleUploadedFile(
                f"{requirement.code}.pdf",
                demo_pdf(requirement.name, f"{business.name}, BIN {business.bin}"),
                content_type="application/pdf",
            )
            application_document_attach(
                actor=owner,
                application_id=application.pk,
                requirement_code=requirement.code,
                upload=upload,
                now=drafted,
            )
        run.application = application_submit(actor=owner, application_id=application.pk, now=moment)
        run.drafted_at = drafted
        self._settle(run, moment)
        self.submitted += 1
        if self.submitted % 10 == 0:
            self.out(f"applications: {self.submitted} submitted, up to {timezone.localdate(moment)}")
        if run.case.steps:
            self.at(_later(moment, run.case.steps[0].days, self.rng), "step", run)

    def _settle(self, run: Run, moment: dt.datetime) -> None:
        """Backdate the model's own stamps, then plan the sweep and the post-issue check the step calls for."""
        _backdate(run.application, since=self.since, at=moment, drafted_at=run.drafted_at)
        permit = Permit.objects.filter(application=run.application).first()
        self.sweep_after(run.application.next_sla_at, permit and permit.next_sla_at)
        if (
            permit is not None
            and permit.post_check_status == PostCheckStatus.PENDING
            and permit.issued_at == moment
        ):
            check_at = _later(moment, self.rng.choice(POST_CHECK_AFTER), self.rng)
            if check_at <= self.end:
                self.at(check_at, "check", (run, permit.number))

    @staticmethod
    def _official(application: Application, *, supervisor: bool) -> User:
        """The authority's supervisor, or its first official (the reviewer, for post-issue checks)."""
        profiles = OfficialProfile.objects.filter(
            authority_id=application.authority_id, is_supervisor=supervisor
        )
        return profiles.order_by("user_id").select_related("user").first().user

    def step(self, run: Run, moment: dt.datetime) -> None:
        step = run.case.steps[run.next_step]
        application = Application.objects.select_related("assigned_to").get(pk=run.application.pk)
        if application.status in (S.APPROVED, S.REJECTED, S.WITHDRAWN):
            return  # decided meanwhile (a tacit approval): the rest of the script is moot
        owner = self.users[run.case.owner]
        try:
            if step.action == "answer":
                application_resubmit(
                    actor=owner, application_id=application.pk, message=step.text, now=moment
                )
            elif step.action == "withdraw":
                application_withdraw(actor=owner, application_id=application.pk, reason=step.text)
            elif step.action == "claim":
                if application.assigned_to_id is None:
                    supervisor = self._official(application, supervisor=True)
                    reason = step.text or (WAITED_TOO_LONG if run.waits >= MAX_WAITS else "")
                    application_claim(
                        actor=supervisor, application_id=application.pk, out_of_order_reason=reason
                    )
            elif step.action == "takeover":
                supervisor = self._official(application, supervisor=True)
                application_reassign(
                    actor=supervisor,
                    application_id=application.pk,
                    to_username=supervisor.username,
                    reason=step.text,
                )
            else:
                self.official_step(run, application, step, moment)
        except InvalidState as error:
            if error.code != "out_of_order":
                raise
            # Oldest first: the official handles their older files before this one.
            run.waits += 1
            self.at(_next_hour(moment), "step", run)
            return
        run.next_step += 1
        self._settle(run, moment)
        if run.next_step < len(run.case.steps):
            self.at(_later(moment, run.case.steps[run.next_step].days, self.rng), "step", run)

    def official_step(self, run: Run, application: Application, step: Step, moment: dt.datetime) -> None:
        out_of_order = WAITED_TOO_LONG if run.waits >= MAX_WAITS else ""
        official = application.assigned_to
        if official is None:  # nobody eligible was free of conflicts: the supervisor takes it
            official = self._official(application, supervisor=True)
            application_claim(actor=official, application_id=application.pk, out_of_order_reason=out_of_order)
        if step.action == "ask":
            application_request_info(
                actor=official,
                application_id=application.pk,
                message=step.text,
                out_of_order_reason=out_of_order,
                now=moment,
            )
            return
        decision = "approve" if step.action == "approve" else "reject"
        if decision == "approve" and not step.text:
            second = application.status == S.SECOND_REVIEW
            first = application.risk_tier == Tier.HIGH and not second
            pool = SECOND_APPROVALS if second else FIRST_APPROVALS if first else APPROVALS
            reason = self.rng.choice(pool)
        else:
            reason = step.text
        application_decide(
            actor=official,
            application_id=application.pk,
            decision=decision,
            reason=reason,
            legal_basis=step.legal_basis,
            requirement=step.requirement,
            out_of_order_reason=out_of_order,
            now=moment,
        )

    def post_check(self, run: Run, number: str, moment: dt.datetime) -> None:
        official = self._official(run.application, supervisor=False)
        problem = self.checks_done % 3 == 1
        permit_post_check(
            actor=official,
            number=number,
            outcome=ReviewOutcome.PROBLEM_FOUND if problem else ReviewOutcome.PASSED,
            reason=CHECK_PROBLEM if problem else CHECK_PASSED,
            now=moment,
        )
        self.checks_done += 1
        self._settle(run, moment)

    def sweep(self, moment: dt.datetime | None) -> None:
        done = sla_sweep(now=moment)
        if done["errors"]:
            raise RuntimeError(f"The SLA sweep failed on {done['errors']} rows; see the log.")
        if moment is None:
            return
        # The rows it handled moved to their next milestone (level-2 escalation, expiry reminders ...).
        following = [
            model.objects.filter(next_sla_at__gt=moment).aggregate(at=Min("next_sla_at"))["at"]
            for model in (Application, Permit)
        ]
        self.sweep_after(*following)

    def summary(self, runs: list[Run]) -> None:
        applications = Application.objects.filter(business__bin__in=HISTORY_BINS)
        tiers = {tier: applications.filter(risk_tier=tier).count() for tier in Tier.values}
        first = min(run.submit_at for run in runs)
        last = max(run.submit_at for run in runs)
        permits = Permit.objects.filter(application__in=applications).count()
        self.out(
            f"applications: {applications.count()} submitted from {timezone.localdate(first)} to "
            f"{timezone.localdate(last)} ({tiers[Tier.LOW]} low, {tiers[Tier.MEDIUM]} medium, "
            f"{tiers[Tier.HIGH]} high), {permits} permits issued, "
            f"{applications.filter(escalation_level__gte=1).count()} escalated"
        )


ROW_MODELS = (User, Business, Membership, ConflictOfInterest, Application, Document, Message, Review, Permit)


@transaction.atomic
def seed_history(*, out: Callable[[str], None]) -> int:
    """Write the demo permits history; returns how many rows it created (0 when it is already there).

    Runs after the authorities, officials, catalogue, holidays and national oversight exist, and before
    the council's reports, so that last quarter's published report counts it.
    """
    if Business.objects.filter(bin__in=HISTORY_BINS).exists():
        out("history already present")
        return 0
    before = sum(model.objects.count() for model in ROW_MODELS)
    History(out).run()
    return sum(model.objects.count() for model in ROW_MODELS) - before
