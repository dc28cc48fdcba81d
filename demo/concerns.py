"""Demo concerns: what creative entrepreneurs actually write to the council, one of them already answered.

Written through the services, so the demo has its audit events and notifications like real data.
Idempotent: a concern is recognised by its business and subject, and a second run creates nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from council.models import Concern, ConcernDisposition, ConcernStatus, Council
from council.policies import is_member, officers_of
from council.services.concerns import concern_raise, concern_respond
from permits.models import LicenceType
from portal.accounts.models import Authority, Business, User

# username, subject, body, licence type code, authority code, (disposition, response) when answered
CONCERNS = [
    (
        "aigerim",
        "Sanitary approval for a small café in a co-working hub takes too long",
        "Our design studio shares a co-working hub in Almaty with a 12-seat café run by the hub. The café "
        "filed its sanitary notification in January; the inspection it triggered has been postponed three "
        "times and the café cannot serve hot food meanwhile. A café of this size in a hub is not a "
        "restaurant: could the council ask for a simpler procedure for small food corners in creative hubs?",
        "sanitary-notification",
        "sanepid",
        (
            ConcernDisposition.REFERRED,
            "Referred to the Committee for Sanitary and Epidemiological Control with a request to answer "
            "within 30 days and to consider a simplified check for food corners under 20 seats. The "
            "council will review the answer at its next session.",
        ),
    ),
    (
        "daniyar",
        "Event permits for street performances are unclear",
        "Our artists want to play short acoustic sets in pedestrian streets. Nobody can tell us whether "
        "this needs a concert notification, a permit from the akimat, or nothing at all when there is no "
        "stage and no ticketing. Different offices gave us three different answers.",
        "concert-notification",
        "mci",
        None,
    ),
    (
        "daniyar",
        "Noise insulation conclusion: inspectors ask for different measurements",
        "For our recording studio's noise-insulation conclusion, the first inspector accepted our "
        "acoustic report, the second asked for night-time measurements in the neighbours' flats. The "
        "requirements should be written down once, for every inspector.",
        "studio-noise-permit",
        "sanepid",
        None,
    ),
    (
        "aigerim",
        "A facade sign permit asks again for documents the portal already holds",
        "To change the sign of our studio we were asked to upload the lease and the state registration "
        "certificate again, although both are in our earlier applications on the portal. Please apply "
        "the once-only principle to facade and signboard permits.",
        "facade-change-permit",
        "almaty-akimat",
        None,
    ),
]


def _responder(council: Council, actor) -> User | None:
    if actor is not None and is_member(actor, council):
        return actor
    return next(iter(officers_of(council)), None)


def seed(*, council: Council, actor, progress: Callable[[str], None]) -> int:
    """Raise the demo concerns (and answer the one that has an answer); returns how many rows it wrote."""
    created = 0
    for username, subject, body, licence_code, authority_code, answer in CONCERNS:
        user = User.objects.filter(username=username).first()
        business = Business.objects.filter(memberships__user=user).order_by("id").first() if user else None
        if business is None:
            progress(f"concern skipped (no demo user {username} with a business): {subject}")
            continue
        concern = Concern.objects.filter(business=business, subject=subject).first()
        if concern is None:
            has_licence = LicenceType.objects.filter(code=licence_code).exists()
            concern = concern_raise(
                actor=user,
                subject=subject,
                body=body,
                business_id=business.pk,
                licence_type_code=licence_code if has_licence else None,
                authority_code=authority_code
                if not has_licence and Authority.objects.filter(code=authority_code).exists()
                else None,
                council_id=council.pk,
            )
            created += 1
            progress(f"concern raised by {username}: {subject}")
        responder = _responder(council, actor)
        if answer is not None and concern.status == ConcernStatus.OPEN and responder is not None:
            disposition, response = answer
            concern_respond(
                actor=responder, concern_id=concern.pk, disposition=disposition, response=response
            )
            created += 1
            progress(f"concern answered by {responder.username} ({disposition}): {subject}")
    return created
