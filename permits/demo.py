"""Demo catalogue: legal acts, documents, questions, licence types of the five authorities, risk rules v1.

Runs after `portal.demo` has created the activities and authorities. Idempotent like it: each object
is looked up by its natural key (code, key, version) and created through its service only when
missing, so a second run creates nothing and writes no audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from permits.demo_history import previous_quarter_start
from permits.models import (
    ActivityCategory,
    DocumentRequirement,
    LegalAct,
    LicenceKind,
    LicenceType,
    Question,
    QuestionType,
    RiskRule,
    RiskRuleSet,
    RuleSetStatus,
    Tier,
)
from permits.services import catalogue as services
from permits.services.calendar import calendar_year_load
from portal.accounts.models import Authority

MCI = Decimal("4325.00")  # monthly calculation index (MRP) for 2026, in tenge

# code, title, reference, articles, url
LEGAL_ACTS = [
    ("permits-and-notifications", 'Law of the Republic of Kazakhstan "On Permits and Notifications"',
     "No. 202-V of 16 May 2014", "Art. 1 (terms), Art. 29 (issuing permits), Art. 36 (tacit approval), Annexes 1-3",
     "https://adilet.zan.kz/eng/docs/Z1400000202"),
    ("culture", 'Law of the Republic of Kazakhstan "On Culture"', "No. 207 of 15 December 2006",
     "Art. 20 (entertainment and cultural events), Art. 28 (concert activity)", "https://adilet.zan.kz/eng/docs/Z060000207_"),
    ("cinematography", 'Law of the Republic of Kazakhstan "On Cinematography"', "No. 212-VI of 3 January 2019",
     "Art. 12 (state register of films), Art. 16 (distribution certificate)", "https://adilet.zan.kz/eng/docs/Z1900000212"),
    ("mass-media", 'Law of the Republic of Kazakhstan "On Mass Media"', "No. 93-VIII of 19 June 2024",
     "Art. 12 (registration of mass media), Art. 27 (TV and radio broadcasting licences)", ""),
    ("advertising", 'Law of the Republic of Kazakhstan "On Advertising"', "No. 508-II of 19 December 2003",
     "Art. 11 (outdoor (visual) advertising)", "https://adilet.zan.kz/eng/docs/Z030000508_"),
    ("civil-protection", 'Law of the Republic of Kazakhstan "On Civil Protection" (fire safety)',
     "No. 188-V of 11 April 2014", "Art. 54 (fire safety requirements), Art. 62 (mass events), Art. 65 (pyrotechnics)",
     "https://adilet.zan.kz/eng/docs/Z1400000188"),
    ("public-health-code", 'Code of the Republic of Kazakhstan "On Public Health and the Healthcare System"',
     "No. 360-VI of 7 July 2020", "Art. 46 (sanitary-epidemiological conclusions), Art. 95 (noise and public events)",
     "https://adilet.zan.kz/eng/docs/K2000000360"),
    ("personal-data", 'Law of the Republic of Kazakhstan "On Personal Data and Their Protection"',
     "No. 94-V of 21 May 2013", "Art. 22 (notification of the authorised body)", "https://adilet.zan.kz/eng/docs/Z1300000094"),
    ("informatization", 'Law of the Republic of Kazakhstan "On Informatization"', "No. 418-V of 24 November 2015",
     "Art. 36 (online platforms)", "https://adilet.zan.kz/eng/docs/Z1500000418"),
    ("airspace", 'Law of the Republic of Kazakhstan "On the Use of the Airspace and Aviation Activities"',
     "No. 339-IV of 15 July 2010", "Art. 17-1 (unmanned aircraft systems)", "https://adilet.zan.kz/eng/docs/Z100000339_"),
    ("architecture", 'Law of the Republic of Kazakhstan "On Architectural, Urban Planning and Construction Activities"',
     "No. 242-II of 16 July 2001", "Art. 64 (licensing of design activity), Art. 68 (facade changes)",
     "https://adilet.zan.kz/eng/docs/Z010000242_"),
    ("heritage", 'Law of the Republic of Kazakhstan "On the Protection and Use of Historical and Cultural Heritage Objects"',
     "No. 288-VI of 26 December 2019", "Art. 30 (works on monuments)", "https://adilet.zan.kz/eng/docs/Z1900000288"),
    ("alcohol", 'Law of the Republic of Kazakhstan "On State Regulation of the Production and Turnover of Ethyl '
     'Alcohol and Alcoholic Products"', "No. 429-I of 16 July 1999", "Art. 9 (retail sale licence)",
     "https://adilet.zan.kz/eng/docs/Z990000429_"),
    ("trade", 'Law of the Republic of Kazakhstan "On Regulation of Trade Activities"', "No. 544-II of 12 April 2004",
     "Art. 27 (fairs and street trade)", "https://adilet.zan.kz/eng/docs/Z040000544_"),
    ("almaty-outdoor-ad-rules", "Rules for placing outdoor (visual) advertising in the city of Almaty",
     "Resolution of the Akimat of Almaty No. 2/145 of 29 March 2023", "Sections 2-4 (permits, structures, city centre)", ""),
]  # fmt: skip

# code, name, description
DOCUMENTS = [
    ("registration-certificate", "State registration certificate",
     "Certificate of state registration of the legal entity or individual entrepreneur (BIN / IIN)."),
    ("premises-lease", "Title deed or lease of the premises", "Proof of the right to use the premises or site."),
    ("fire-safety-plan", "Fire safety and evacuation plan", "Evacuation plan of the premises with exits and extinguishers."),
    ("event-safety-plan", "Event safety plan", "Crowd management, stewarding, first aid and evacuation for the event."),
    ("site-plan", "Site plan", "Layout of the venue or site with stages, structures and access routes, to scale."),
    ("sanitary-conclusion", "Sanitary-epidemiological conclusion on the premises",
     "The conclusion already issued for the premises or catering operator."),
    ("ad-layout", "Advertising layout", "Colour sketch of the advertising with its dimensions and placement photo-montage."),
    ("pyrotechnics-certificate", "Pyrotechnician's certificate", "Certificate of competence of the responsible pyrotechnician."),
    ("staff-list", "List of qualified staff", "Names, positions and qualifications of the responsible staff."),
    ("portfolio", "Portfolio of completed projects", "Projects completed in the last three years, with references."),
    ("insurance-policy", "Civil liability insurance policy", "Compulsory civil liability insurance covering the activity."),
    ("film-synopsis", "Film synopsis and shooting schedule", "Synopsis, locations and dates of filming."),
    ("film-rights", "Proof of rights to the film", "Contracts confirming the applicant's distribution rights."),
    ("drone-registration", "UAV registration and pilot certificate", "Registration of the unmanned aircraft and the pilot's certificate."),
    ("noise-protocol", "Noise measurement protocol", "Sound-insulation measurements by an accredited laboratory."),
]  # fmt: skip

# key, label, type, choices, help text
QUESTIONS = [
    ("expected_attendance", "How many people do you expect at the same time?", QuestionType.INTEGER, [],
     "Peak number of visitors, staff excluded."),
    ("venue_type", "Where does it take place?", QuestionType.CHOICE, ["indoor", "outdoor", "mixed"], ""),
    ("pyrotechnics", "Will pyrotechnics or open-flame special effects be used?", QuestionType.BOOLEAN, [], ""),
    ("food_service", "Will food be prepared or served?", QuestionType.BOOLEAN, [], ""),
    ("alcohol", "Will alcoholic drinks be sold or served?", QuestionType.BOOLEAN, [], ""),
    ("minors_involved", "Are children under 18 performers, crew or the main audience?", QuestionType.BOOLEAN, [], ""),
    ("premises_area_m2", "Floor area of the premises (m²)", QuestionType.INTEGER, [], ""),
    ("outdoor_structures", "Will temporary outdoor structures (stages, towers, banners) be installed?",
     QuestionType.BOOLEAN, [], ""),
    ("broadcast_reach", "Reach of the broadcast or distribution", QuestionType.CHOICE, ["local", "regional", "national"], ""),
    ("ad_area_m2", "Surface of the advertising structure (m²)", QuestionType.INTEGER, [], ""),
    ("heritage_site", "Is the site a historical and cultural heritage object?", QuestionType.BOOLEAN, [], ""),
    ("project_title", "Title of the event, film or project", QuestionType.STRING, [], ""),
]  # fmt: skip

TIER_OF_KIND = {
    LicenceKind.NOTIFICATION: Tier.LOW,
    LicenceKind.PERMIT: Tier.MEDIUM,
    LicenceKind.LICENCE: Tier.HIGH,
}
N, P, L = LicenceKind.NOTIFICATION, LicenceKind.PERMIT, LicenceKind.LICENCE  # short names for the table below

# code, name, authority, legal act, articles, kind, fee, validity months, deadline days, tacit approval,
# activities, documents, questions ("key?" = optional), description
LICENCE_TYPES = [
    ("concert-notification", "Notification of a concert or public performance", "mci", "culture", "Art. 28",
     N, Decimal("0"), None, None, False, "live-events music-recording performing-arts coworking-hubs",
     "registration-certificate", "project_title expected_attendance venue_type minors_involved?",
     "Notify the Ministry before a concert, tour date or public performance; issued at once."),
    ("film-shoot-notification", "Notification of the start of film production", "mci", "cinematography", "Art. 12",
     N, Decimal("0"), None, None, False, "film-production",
     "registration-certificate film-synopsis", "project_title minors_involved? venue_type?",
     "Entry of a new film project in the state register of films; issued at once."),
    ("film-distribution-certificate", "Film distribution certificate", "mci", "cinematography", "Art. 16",
     P, Decimal("0"), None, None, True, "film-production",
     "registration-certificate film-rights", "project_title broadcast_reach",
     "Required before a film is shown in cinemas, on television or online in Kazakhstan."),
    ("media-registration", "Registration of a periodical or online publication", "mci", "mass-media", "Art. 12",
     N, Decimal("0"), None, None, False, "publishing advertising",
     "registration-certificate", "project_title broadcast_reach",
     "Registration of a periodical, news agency or online publication; issued at once."),
    ("broadcast-licence", "Licence for TV and radio broadcasting", "mci", "mass-media", "Art. 27",
     L, 10 * MCI, None, None, False, "music-recording film-production",
     "registration-certificate staff-list premises-lease", "broadcast_reach minors_involved?",
     "Terrestrial, satellite or cable broadcasting of a TV or radio channel."),
    ("heritage-works-permit", "Permit for works at a historical and cultural heritage object", "mci", "heritage",
     "Art. 30", P, Decimal("0"), 12, None, False, "architecture film-production",
     "registration-certificate site-plan portfolio", "heritage_site outdoor_structures?",
     "Restoration, adaptation or filming works that touch a protected monument."),
    ("fire-safety-notification", "Notification of the start of activity: fire safety of premises", "mes",
     "civil-protection", "Art. 54", N, Decimal("0"), None, None, False,
     "design fashion music-recording games-software folk-crafts coworking-hubs publishing",
     "premises-lease fire-safety-plan", "premises_area_m2",
     "Declare that studio or office premises meet fire safety requirements; issued at once."),
    ("event-fire-safety-permit", "Fire safety clearance for a mass event", "mes", "civil-protection", "Art. 62",
     P, Decimal("0"), 1, None, False, "live-events performing-arts",
     "event-safety-plan site-plan fire-safety-plan", "expected_attendance venue_type pyrotechnics outdoor_structures?",
     "Inspection of a concert, festival or show venue by the State Fire Control Committee."),
    ("pyrotechnics-licence", "Licence to use pyrotechnic products and stage special effects", "mes",
     "civil-protection", "Art. 65", L, 10 * MCI, None, 20, False, "live-events film-production performing-arts",
     "registration-certificate pyrotechnics-certificate insurance-policy staff-list", "pyrotechnics expected_attendance?",
     "Stage pyrotechnics, fireworks and open-flame effects at shows and on film sets."),
    ("sanitary-notification", "Notification of the start of activity: sanitary requirements", "sanepid",
     "public-health-code", "Art. 46", N, Decimal("0"), None, None, False, "fashion folk-crafts coworking-hubs",
     "premises-lease", "premises_area_m2 food_service",
     "Workshops and hubs of low epidemic significance declare they meet sanitary rules; issued at once."),
    ("sanitary-event-permit", "Sanitary-epidemiological conclusion for an event with food service", "sanepid",
     "public-health-code", "Art. 46", P, Decimal("0"), 1, None, False, "live-events coworking-hubs film-production",
     "sanitary-conclusion site-plan staff-list", "expected_attendance food_service alcohol venue_type",
     "Catering, drinking water and sanitation at festivals, hub events and film-set catering."),
    ("studio-noise-permit", "Sanitary conclusion on noise insulation of a studio or stage", "sanepid",
     "public-health-code", "Art. 95", P, Decimal("0"), None, None, True, "music-recording performing-arts coworking-hubs",
     "premises-lease noise-protocol", "premises_area_m2 minors_involved?",
     "Recording studios, rehearsal rooms and small stages in residential buildings."),
    ("personal-data-notification", "Notification of personal data processing", "mdai", "personal-data", "Art. 22",
     N, Decimal("0"), None, None, False, "design games-software publishing advertising",
     "registration-certificate", "minors_involved",
     "Owners of client, player or subscriber databases notify the Ministry; issued at once."),
    ("online-platform-registration", "Registration of an online platform or app", "mdai", "informatization",
     "Art. 36", N, Decimal("0"), None, None, False, "games-software publishing music-recording",
     "registration-certificate", "project_title minors_involved broadcast_reach?",
     "Games, streaming and publishing platforms available to users in Kazakhstan; issued at once."),
    ("drone-filming-permit", "Permit for aerial filming with unmanned aircraft", "mdai", "airspace", "Art. 17-1",
     P, Decimal("0"), 6, 5, False, "film-production advertising live-events",
     "drone-registration insurance-policy site-plan", "venue_type expected_attendance? heritage_site?",
     "Drone filming over cities, crowds and events; airspace coordination within five working days."),
    ("architecture-licence", "Licence for architectural and urban-planning design (category II)", "almaty-akimat",
     "architecture", "Art. 64", L, 10 * MCI, None, None, False, "architecture",
     "registration-certificate staff-list portfolio insurance-policy", "heritage_site?",
     "Design of buildings and interiors of the second technical category."),
    ("facade-change-permit", "Permit to change a facade or signboard in Almaty", "almaty-akimat", "architecture",
     "Art. 68", P, Decimal("0"), 12, None, True, "design architecture fashion advertising",
     "premises-lease ad-layout site-plan", "ad_area_m2 heritage_site",
     "Shop fronts, studio signboards and facade art on buildings of Almaty."),
    ("outdoor-ad-permit", "Permit to place outdoor (visual) advertising in Almaty", "almaty-akimat",
     "almaty-outdoor-ad-rules", "Sections 2-4", P, 2 * MCI, 12, 8, True, "advertising",
     "registration-certificate ad-layout site-plan", "ad_area_m2 outdoor_structures",
     "Billboards, banners and screens on city land and buildings."),
    ("location-filming-permit", "Permit for filming on streets and in parks of Almaty", "almaty-akimat",
     "cinematography", "Art. 12", P, Decimal("0"), 3, 5, True, "film-production advertising",
     "film-synopsis site-plan insurance-policy", "project_title venue_type heritage_site outdoor_structures pyrotechnics",
     "Street closures, parking of film units and filming in city parks."),
    ("alcohol-retail-licence", "Licence for the retail sale of alcoholic products (venues)", "almaty-akimat",
     "alcohol", "Art. 9", L, 100 * MCI, 12, None, False, "live-events coworking-hubs performing-arts",
     "registration-certificate premises-lease sanitary-conclusion", "alcohol expected_attendance?",
     "Bars of concert halls, theatres and creative hubs; annual fee of 100 MCI in Almaty."),
    ("fair-trade-notification", "Notification of trade at a city fair", "almaty-akimat", "trade", "Art. 27",
     N, Decimal("0"), None, None, False, "folk-crafts fashion",
     "registration-certificate", "food_service",
     "Stalls of craftspeople and designers at Almaty fairs and markets; issued at once."),
]  # fmt: skip

RULE_SET_VERSION = 1
RULE_SET_NOTES = "First rules: crowd size, pyrotechnics, alcohol, food, minors, outdoor venues, reach."
# question key, comparison, value, raises to, reason, licence type code (None: every licence type asking)
RISK_RULES = [
    ("expected_attendance", "gt", 500, Tier.MEDIUM, "Expected attendance over 500 people", None),
    ("expected_attendance", "gt", 3000, Tier.HIGH, "Expected attendance over 3,000 people", None),
    ("pyrotechnics", "eq", True, Tier.HIGH, "Pyrotechnics on site", None),
    ("alcohol", "eq", True, Tier.HIGH, "Alcohol served", None),
    ("food_service", "eq", True, Tier.MEDIUM, "Food service", None),
    ("minors_involved", "eq", True, Tier.MEDIUM, "Minors involved", None),
    ("venue_type", "in", ["outdoor", "mixed"], Tier.MEDIUM, "Outdoor venue", None),
    ("broadcast_reach", "eq", "national", Tier.MEDIUM, "National reach", None),
    ("premises_area_m2", "gt", 1000, Tier.MEDIUM, "Premises larger than 1,000 m²", "fire-safety-notification"),
    ("ad_area_m2", "gt", 50, Tier.HIGH, "Advertising structure larger than 50 m²", "outdoor-ad-permit"),
    ("heritage_site", "eq", True, Tier.HIGH, "Filming at a heritage site", "location-filming-permit"),
]  # fmt: skip


class CatalogueSeeder:
    def __init__(self, out: Callable[[str], None]):
        self.out = out
        self.created = 0

    def run(self) -> int:
        steps = [
            ("legal acts", self.legal_acts),
            ("document requirements", self.documents),
            ("questions", self.questions),
            ("licence types", self.licence_types),
            ("risk rules", self.risk_rules),
        ]
        for label, step in steps:
            before = self.created
            with transaction.atomic():
                step()
            self.out(f"  {label}: {self.created - before} created")
        return self.created

    def legal_acts(self) -> None:
        for code, title, reference, articles, url in LEGAL_ACTS:
            if not LegalAct.objects.filter(code=code).exists():
                services.legal_act_create(
                    actor=None, code=code, title=title, reference=reference, articles=articles, url=url
                )
                self.created += 1

    def documents(self) -> None:
        for code, name, description in DOCUMENTS:
            if not DocumentRequirement.objects.filter(code=code).exists():
                services.requirement_create(actor=None, code=code, name=name, description=description)
                self.created += 1

    def questions(self) -> None:
        for key, label, type_, choices, help_text in QUESTIONS:
            if not Question.objects.filter(key=key).exists():
                services.question_create(
                    actor=None, key=key, label=label, type=type_, choices=choices, help_text=help_text
                )
                self.created += 1

    def licence_types(self) -> None:
        for row in LICENCE_TYPES:
            code, name, authority, act, articles, kind, *terms, description = row
            fee, validity, deadline, tacit, activities, documents, questions = terms
            if LicenceType.objects.filter(code=code).exists():
                continue
            services.licence_type_create(
                actor=None,
                code=code,
                name=name,
                description=description,
                authority=Authority.objects.get(code=authority),
                legal_basis=LegalAct.objects.get(code=act),
                legal_articles=articles,
                kind=kind,
                base_tier=TIER_OF_KIND[kind],
                fee=fee,
                validity_months=validity,
                deadline_working_days=deadline,
                tacit_approval=tacit,
                activities=[ActivityCategory.objects.get(code=c) for c in activities.split()],
                required_documents=[DocumentRequirement.objects.get(code=c) for c in documents.split()],
                questions=[
                    (Question.objects.get(key=key.rstrip("?")), not key.endswith("?"))
                    for key in questions.split()
                ],
            )
            self.created += 1

    def risk_rules(self) -> None:
        rule_set = RiskRuleSet.objects.filter(version=RULE_SET_VERSION).first()
        if rule_set is None:
            rule_set = services.rule_set_create(actor=None, version=RULE_SET_VERSION, notes=RULE_SET_NOTES)
            self.created += 1
        if rule_set.status != RuleSetStatus.DRAFT:
            return  # published: frozen, a change is a new version
        for key, comparison, value, raises_to, reason, licence_code in RISK_RULES:
            licence_type = LicenceType.objects.get(code=licence_code) if licence_code else None
            if not RiskRule.objects.filter(rule_set=rule_set, question_key=key, reason=reason).exists():
                services.risk_rule_add(
                    actor=None,
                    rule_set=rule_set,
                    question_key=key,
                    comparison=comparison,
                    value=value,
                    raises_to=raises_to,
                    reason=reason,
                    licence_type=licence_type,
                )
                self.created += 1
        services.rule_set_publish(actor=None, rule_set=rule_set)


def seed_catalogue(out: Callable[[str], None] = print) -> int:
    """Load the demo catalogue and risk rules v1; returns how many objects were created (0 on a second run)."""
    return CatalogueSeeder(out).run()


def seed_calendar(out: Callable[[str], None] = print) -> int:
    """Statutory holidays for every year the demo's history touches (from the first day of the
    previous quarter to next year), through the loader production uses: the calendar itself is
    loaded by a migration and a yearly task, not by the demo. Returns how many rows were created."""
    today = timezone.localdate()
    created = 0
    for year in range(previous_quarter_start(today).year, today.year + 2):
        created += calendar_year_load(actor=None, year=year).created
    out(f"  holidays: {created} created")
    return created
