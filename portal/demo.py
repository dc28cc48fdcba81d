"""Demo data for development: authorities and their officials, entrepreneurs, the council, an API client.

Idempotent: each object is looked up by its natural key and created through its service only when
missing, so a second run changes nothing (no rows, no audit events, no password resets). Every demo
account has the password DEMO_PASSWORD and is flagged `is_demo`; production refuses to run with any.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction

from council import demo_concerns, demo_consultations, demo_reports
from council.models import Council, CouncilMember, CouncilRole, CouncilScope, HelixSector
from council.services import council_create, council_member_add
from permits.deadlines import OVERSIGHT_GROUP
from permits.demo_history import seed_history
from permits.models import ActivityCategory
from permits.services.catalogue import activity_create
from portal.accounts import services as accounts
from portal.accounts.models import (
    ApiClient,
    Authority,
    Business,
    BusinessKind,
    Clearance,
    Jurisdiction,
    OfficialProfile,
    User,
)
from portal.accounts.services import oversight_join

ACTIVITIES = [
    ("design", "Design", "Graphic, product, interior and UX design studios."),
    ("architecture", "Architecture", "Architectural and urban design practices."),
    ("fashion", "Fashion", "Fashion labels, ateliers and textile design."),
    ("music-recording", "Music recording", "Recording studios, labels and music production."),
    ("live-events", "Live events", "Concerts, festivals and public performances."),
    (
        "film-production",
        "Film production",
        "Film, video and animation production, including location shoots.",
    ),
    ("games-software", "Games and software", "Game studios and creative software companies."),
    ("publishing", "Publishing", "Books, periodicals and digital publishing."),
    ("advertising", "Advertising", "Advertising agencies and outdoor advertising."),
    ("folk-crafts", "Folk crafts", "Traditional crafts workshops: felt, leather, jewellery, ceramics."),
    ("performing-arts", "Performing arts", "Theatres, dance companies and circus."),
    ("coworking-hubs", "Co-working hubs", "Creative hubs and co-working spaces with public events."),
]

AUTHORITIES = [
    ("mci", "Ministry of Culture and Information of the Republic of Kazakhstan", Jurisdiction.NATIONAL, ""),
    ("mes", "Ministry of Emergency Situations: State Fire Control Committee", Jurisdiction.NATIONAL, ""),
    ("sanepid", "Committee for Sanitary and Epidemiological Control", Jurisdiction.NATIONAL, ""),
    ("mdai", "Ministry of Digital Development, Innovation and Aerospace Industry", Jurisdiction.NATIONAL, ""),
    (
        "almaty-akimat",
        "Akimat of Almaty: Department of Culture and Urban Development",
        Jurisdiction.CITY,
        "Almaty",
    ),
]

# (username suffix, clearance, supervisor?) for every authority: `<code>-reviewer` and so on.
OFFICIAL_SEATS = [
    ("reviewer", Clearance.MEDIUM, False),
    ("senior1", Clearance.HIGH, False),
    ("senior2", Clearance.HIGH, False),
    ("supervisor", Clearance.HIGH, True),
]

ENTREPRENEURS = [
    # username, first, last, business name, BIN, kind, city, smart-city zone, activity
    ("aigerim", "Aigerim", "Nurlanovna", "Aigerim Design Studio", "900614500128",
     BusinessKind.INDIVIDUAL_ENTREPRENEUR, "Almaty", True, "design"),
    ("daniyar", "Daniyar", "Seitkali", "Dala Sound LLP", "210340007893",
     BusinessKind.COMPANY, "Astana", False, "music-recording"),
]  # fmt: skip

COUNCIL_NAME = "National Council for Creative Industries"
COUNCIL_SEATS = [
    ("council-chair", "Gulnara", "Abenova", HelixSector.GOVERNMENT, CouncilRole.CHAIR),
    ("council-secretary", "Yerlan", "Mukanov", HelixSector.BUSINESS, CouncilRole.SECRETARY),
    ("council-member", "Saule", "Dzhaksybekova", HelixSector.ACADEMIA, CouncilRole.MEMBER),
    ("council-civil", "Timur", "Akhmetov", HelixSector.CIVIL_SOCIETY, CouncilRole.MEMBER),
]

# Stakeholders with no business and no seat, who still take part in consultations.
STAKEHOLDERS = [
    ("expert", "Madina", "Kassymova"),  # a registered expert: cultural-economics researcher
    ("association", "Creative Industries", "Association"),  # an industry association's account
]

API_CLIENT = ("demo-bank", "Demo Bank (API client)", "integrations@demo-bank.kz")
ADMIN_USERNAME = "admin"
OVERSIGHT_USERNAME = "oversight"


class Seeder:
    def __init__(self, out: Callable[[str], None]):
        self.out = out
        self.created = 0

    def user(self, username: str, *, first_name: str = "", last_name: str = "", **extra) -> User:
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            return existing
        self.created += 1
        return accounts.demo_user_create(
            username=username, first_name=first_name, last_name=last_name, **extra
        )

    def run(self) -> int:
        steps = [
            ("creative activities", self.activities),
            ("authorities and officials", self.authorities),
            ("entrepreneurs and businesses", self.entrepreneurs),
            (
                "catalogue: legal acts, documents, questions, licence types, risk rules, holidays",
                self.catalogue,
            ),
            ("council", self.council),
            ("API client, admin and national oversight", self.api_client_and_admin),
            ("permits history: last two quarters of applications", self.permits_history),
            ("council: consultations, concerns, goals and reports", self.council_work),
        ]
        for index, (label, step) in enumerate(steps, start=1):
            before = self.created
            with transaction.atomic():
                step()
            self.out(f"[{index}/{len(steps)}] {label}: {self.created - before} created")
        return self.created

    def activities(self) -> None:
        for code, name, description in ACTIVITIES:
            if not ActivityCategory.objects.filter(code=code).exists():
                activity_create(actor=None, code=code, name=name, description=description)
                self.created += 1

    def authorities(self) -> None:
        for code, name, jurisdiction, city in AUTHORITIES:
            authority = Authority.objects.filter(code=code).first()
            if authority is None:
                authority = accounts.authority_create(
                    actor=None, code=code, name=name, jurisdiction=jurisdiction, city=city
                )
                self.created += 1
            for suffix, clearance, supervisor in OFFICIAL_SEATS:
                user = self.user(f"{code}-{suffix}", first_name=code.upper(), last_name=suffix.capitalize())
                if not OfficialProfile.objects.filter(user=user).exists():
                    accounts.official_appoint(
                        actor=None,
                        user=user,
                        authority=authority,
                        clearance=clearance,
                        is_supervisor=supervisor,
                    )
                    self.created += 1

    def entrepreneurs(self) -> None:
        for username, first, last, name, bin_, kind, city, smart, activity in ENTREPRENEURS:
            user = self.user(username, first_name=first, last_name=last)
            if not Business.objects.filter(bin=bin_).exists():
                accounts.business_create(
                    actor=None,
                    name=name,
                    bin=bin_,
                    kind=kind,
                    city=city,
                    in_smart_city_zone=smart,
                    activity=ActivityCategory.objects.get(code=activity),
                    owner=user,
                )
                self.created += 1

    def catalogue(self) -> None:
        from permits.demo import seed_calendar, seed_catalogue

        self.created += seed_catalogue(out=lambda line: self.out(f"      {line.strip()}"))
        self.created += seed_calendar(out=lambda line: self.out(f"      {line.strip()}"))

    def council(self) -> None:
        council = Council.objects.filter(name=COUNCIL_NAME).first()
        if council is None:
            council = council_create(
                actor=None,
                name=COUNCIL_NAME,
                scope=CouncilScope.NATIONAL,
                description=(
                    "Advisory body of government, academia, business and civil society that reviews "
                    "legislation for the creative economy and holds regulators to account."
                ),
            )
            self.created += 1
        for username, first, last, sector, role in COUNCIL_SEATS:
            user = self.user(username, first_name=first, last_name=last)
            if not CouncilMember.objects.filter(council=council, user=user).exists():
                council_member_add(
                    actor=None,
                    council=council,
                    user=user,
                    sector=sector,
                    role=role,
                    active_from=datetime.date(2026, 1, 1),
                )
                self.created += 1

    def permits_history(self) -> None:
        # Before the council's work: last quarter's published report counts these applications.
        self.created += seed_history(out=lambda line: self.out(f"      {line.strip()}"))

    def council_work(self) -> None:
        for username, first, last in STAKEHOLDERS:
            self.user(username, first_name=first, last_name=last)
        council = Council.objects.get(name=COUNCIL_NAME)
        secretary = User.objects.get(username="council-secretary")
        progress = lambda line: self.out(f"      {line.strip()}")  # noqa: E731
        # Reports last: last quarter's published report counts the consultations and concerns.
        for seed in (demo_consultations.seed, demo_concerns.seed, demo_reports.seed):
            self.created += seed(council=council, actor=secretary, progress=progress)

    def api_client_and_admin(self) -> None:
        username, name, email = API_CLIENT
        user = self.user(username)
        if not ApiClient.objects.filter(user=user).exists():
            accounts.api_client_create(actor=None, name=name, user=user, contact_email=email)
            self.created += 1
        self.user(
            ADMIN_USERNAME, first_name="Portal", last_name="Administrator", is_staff=True, is_superuser=True
        )
        # Level-2 escalations (a deadline missed well past its due date) go to national oversight.
        oversight = self.user(OVERSIGHT_USERNAME, first_name="National", last_name="Oversight")
        if not oversight.groups.filter(name=OVERSIGHT_GROUP).exists():
            oversight_join(actor=None, user=oversight)
            self.created += 1


def seed_demo(out: Callable[[str], None] = print) -> int:
    """Load the demo data; returns how many objects were created (0 on a second run)."""
    return Seeder(out).run()
