"""Every write about people and organisations. One transaction and one audit event each."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from knox.models import AuthToken

from portal.accounts.models import (
    ApiClient,
    Authority,
    Business,
    Clearance,
    Membership,
    MembershipRole,
    OfficialProfile,
    User,
)
from portal.api.errors import ValidationFailed
from portal.audit.services import record


def _full_clean(obj, *, exclude: list[str] | None = None) -> None:
    """Model validation as a 400 naming the fields, so services refuse bad data at any edge."""
    try:
        obj.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields=exc.message_dict) from exc


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    preferred_language: str = "en",
    is_staff: bool = False,
    is_superuser: bool = False,
    is_demo: bool = False,
) -> User:
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        preferred_language=preferred_language,
        is_staff=is_staff,
        is_superuser=is_superuser,
        is_demo=is_demo,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    _full_clean(user, exclude=["password"])
    user.save()
    record(
        actor=actor,
        action="accounts.user_created",
        obj=user,
        data={"username": username, "is_staff": is_staff, "is_superuser": is_superuser, "is_demo": is_demo},
    )
    return user


def demo_user_create(*, username: str, first_name: str = "", last_name: str = "", **extra) -> User:
    """A flagged demo account with the documented demo password (production refuses to run with any)."""
    return user_create(
        actor=None,
        username=username,
        password=settings.DEMO_PASSWORD,
        email=f"{username}@demo.portal.kz",
        first_name=first_name,
        last_name=last_name,
        is_demo=True,
        **extra,
    )


@transaction.atomic
def business_create(
    *,
    actor: User | None,
    name: str,
    bin: str,
    kind: str,
    city: str,
    owner: User | None = None,
    in_smart_city_zone: bool = False,
    activity=None,
) -> Business:
    """Register a business; its owner (when given) becomes its first member."""
    business = Business(
        name=name, bin=bin, kind=kind, city=city, in_smart_city_zone=in_smart_city_zone, activity=activity
    )
    _full_clean(business)
    business.save()
    record(
        actor=actor,
        action="accounts.business_created",
        obj=business,
        data={"name": name, "bin": bin, "kind": kind, "city": city, "owner": owner.pk if owner else None},
    )
    if owner is not None:
        membership_add(actor=actor, user=owner, business=business, role=MembershipRole.OWNER)
    return business


@transaction.atomic
def membership_add(*, actor: User | None, user: User, business: Business, role: str) -> Membership:
    if Membership.objects.filter(user=user, business=business).exists():
        raise ValidationFailed(
            f"{user.username} is already a member of {business.name}.", code="already_member"
        )
    membership = Membership(user=user, business=business, role=role)
    _full_clean(membership, exclude=["user", "business"])
    membership.save()
    record(
        actor=actor,
        action="accounts.membership_added",
        obj=membership,
        data={"user": user.pk, "business": business.pk, "role": role},
    )
    return membership


@transaction.atomic
def authority_create(
    *, actor: User | None, code: str, name: str, jurisdiction: str, city: str = ""
) -> Authority:
    authority = Authority(code=code, name=name, jurisdiction=jurisdiction, city=city)
    _full_clean(authority)
    authority.save()
    record(
        actor=actor,
        action="accounts.authority_created",
        obj=authority,
        data={"code": code, "name": name, "jurisdiction": jurisdiction, "city": city},
    )
    return authority


@transaction.atomic
def official_appoint(
    *, actor: User | None, user: User, authority: Authority, clearance: str, is_supervisor: bool = False
) -> OfficialProfile:
    """Make a user an official of an authority with a clearance (one authority per official)."""
    if OfficialProfile.objects.filter(user=user).exists():
        raise ValidationFailed(f"{user.username} is already an official.", code="already_official")
    if clearance not in Clearance.values:
        raise ValidationFailed(fields={"clearance": [f"Choose one of {', '.join(Clearance.values)}."]})
    profile = OfficialProfile.objects.create(
        user=user, authority=authority, clearance=clearance, is_supervisor=is_supervisor
    )
    record(
        actor=actor,
        action="accounts.official_appointed",
        obj=profile,
        data={
            "user": user.pk,
            "authority": authority.code,
            "clearance": clearance,
            "is_supervisor": is_supervisor,
        },
    )
    return profile


@transaction.atomic
def api_client_create(
    *, actor: User | None, name: str, user: User, business: Business | None = None, contact_email: str = ""
) -> ApiClient:
    client = ApiClient(name=name, user=user, business=business, contact_email=contact_email)
    _full_clean(client, exclude=["user", "business"])
    client.save()
    record(
        actor=actor,
        action="accounts.api_client_created",
        obj=client,
        data={"name": name, "user": user.pk, "business": business.pk if business else None},
    )
    return client


@transaction.atomic
def auth_token_issue(*, user: User, actor: User | None = None) -> tuple[AuthToken, str]:
    """Issue an expiring token; only its hash is stored, the key is shown to the caller once.

    `actor` is who asked for it when that is not the user themselves (an admin issuing a token to
    an API client).
    """
    instance, key = AuthToken.objects.create(user=user)
    record(
        actor=actor or user,
        action="accounts.token_issued",
        object_type="knox.authtoken",
        object_id=instance.token_key,
        data={"user": user.pk, "expires_at": instance.expiry},
    )
    return instance, key


@transaction.atomic
def auth_token_revoke(*, user: User, token: AuthToken) -> None:
    token_key = token.token_key
    token.delete()
    record(actor=user, action="accounts.token_revoked", object_type="knox.authtoken", object_id=token_key)


@transaction.atomic
def auth_token_revoke_all(*, user: User) -> int:
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    record(actor=user, action="accounts.tokens_revoked_all", obj=user, data={"count": deleted})
    return deleted


@transaction.atomic
def oversight_join(*, actor: User | None, user: User) -> None:
    """Add a user to national oversight, who receive level-2 escalations of missed deadlines."""
    from permits.sla import OVERSIGHT_GROUP

    group, _ = Group.objects.get_or_create(name=OVERSIGHT_GROUP)
    user.groups.add(group)
    record(actor=actor, action="accounts.oversight_joined", obj=user, data={"group": OVERSIGHT_GROUP})
