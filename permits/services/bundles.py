"""The one-stop submission: several licence types, each question asked once, all or nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from permits import selectors
from permits.errors import PermitErrorCode
from permits.models import Application, ApplicationStatus, Bundle
from permits.policies import check_member_of
from permits.risk import answers_errors
from permits.services.applications import application_create, incomplete_detail, submit_locked
from portal.api.errors import InvalidState, ValidationFailed
from portal.audit.services import record

MAX_LICENCE_TYPES = 30


def _codes(licence_type_codes: Any) -> list[str]:
    if not isinstance(licence_type_codes, list) or not licence_type_codes:
        raise ValidationFailed(fields={"licence_types": ["Give a non-empty list of licence type codes."]})
    if not all(isinstance(code, str) and code for code in licence_type_codes):
        raise ValidationFailed(fields={"licence_types": ["Each licence type is a code (text)."]})
    codes = list(dict.fromkeys(licence_type_codes))
    if len(codes) > MAX_LICENCE_TYPES:
        raise ValidationFailed(fields={"licence_types": [f"At most {MAX_LICENCE_TYPES} licence types."]})
    return codes


@transaction.atomic
def bundle_create(*, actor, business, licence_type_codes: Any, answers: Any) -> Bundle:
    """One draft application per licence type; the answers object is shared, each question asked once.
    Only a member of `business` opens a bundle for it (else a 404)."""
    check_member_of(actor, business.pk)
    codes = _codes(licence_type_codes)
    found = selectors.licence_types_by_code(codes)
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationFailed(
            f"Unknown licence type: {', '.join(unknown)}.",
            code=PermitErrorCode.UNKNOWN_LICENCE_TYPE,
            fields={"licence_types": [f"Unknown licence type: {code}." for code in unknown]},
        )
    licence_types = [found[code] for code in codes]
    specs = {spec.key: spec for lt in licence_types for spec in selectors.question_specs(lt)}
    errors = answers_errors(specs.values(), answers, require_all=False)
    if errors:
        raise ValidationFailed("Some answers are not valid.", fields=errors)
    bundle = Bundle.objects.create(business=business, created_by=actor, answers=answers)
    for licence_type in licence_types:
        asked = {spec.key for spec in selectors.question_specs(licence_type)}
        application_create(
            actor=actor,
            business=business,
            licence_type=licence_type,
            answers={key: value for key, value in answers.items() if key in asked},
            bundle=bundle,
        )
    record(
        actor=actor,
        action="bundle.created",
        obj=bundle,
        data={"business": business.pk, "licence_types": codes},
    )
    return bundle


@transaction.atomic
def bundle_submit(*, actor, bundle: Bundle, now: dt.datetime | None = None) -> Bundle:
    """Submit every draft of the bundle, or none: each is checked before any is submitted. Only a member
    of the bundle's business submits it (else a 404, as for its reads)."""
    selectors.bundle_get(user=actor, bundle_id=bundle.pk)
    Bundle.objects.select_for_update().get(pk=bundle.pk)
    drafts = list(
        Application.objects.select_for_update(of=("self",))
        .select_related("licence_type__authority", "business")
        .filter(bundle=bundle, status=ApplicationStatus.DRAFT)
        .order_by("id")
    )
    if not drafts:
        raise InvalidState("Nothing left to submit in this bundle.", code=PermitErrorCode.NOTHING_TO_SUBMIT)
    missing = {application.reference: selectors.completeness(application) for application in drafts}
    missing = {reference: items for reference, items in missing.items() if items}
    if missing:
        by_application = {a.reference: a for a in drafts}
        raise ValidationFailed(
            " ".join(incomplete_detail(by_application[ref], items) for ref, items in missing.items()),
            code=PermitErrorCode.INCOMPLETE,
            fields={
                f"{ref}.{key}": values for ref, items in missing.items() for key, values in items.items()
            },
        )
    rule_set = selectors.current_rule_set()
    for application in drafts:
        submit_locked(application, actor=actor, rule_set=rule_set, now=now)
    bundle.submitted_at = now or timezone.now()
    bundle.save(update_fields=["submitted_at"])
    record(
        actor=actor,
        action="bundle.submitted",
        obj=bundle,
        data={"applications": [a.reference for a in drafts]},
    )
    return bundle
