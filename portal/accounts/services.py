"""Every write about people and organisations. One transaction and one audit event each."""

from __future__ import annotations

import datetime
import math

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from portal.accounts.models import (
    OVERSIGHT_GROUP,
    ApiClient,
    Authority,
    Business,
    Clearance,
    LoginFailure,
    Membership,
    MembershipRole,
    OfficialProfile,
    User,
)
from portal.accounts.signals import business_link_added
from portal.api.errors import AccountLocked, ErrorCode, ValidationFailed
from portal.api.inputs import full_clean
from portal.audit.services import record


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
    now: datetime.datetime | None = None,
) -> User:
    user = User(
        username=username,
        date_joined=now or timezone.now(),
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
    full_clean(user, exclude=["password"])
    user.save()
    record(
        actor=actor,
        action="accounts.user_created",
        obj=user,
        data={"username": username, "is_staff": is_staff, "is_superuser": is_superuser, "is_demo": is_demo},
    )
    return user


def demo_user_create(
    *, username: str, first_name: str = "", last_name: str = "", now: datetime.datetime | None = None, **extra
) -> User:
    """A flagged demo account with the documented demo password (production refuses to run with any)."""
    return user_create(
        actor=None,
        username=username,
        password=settings.DEMO_PASSWORD,
        email=f"{username}@demo.portal.kz",
        first_name=first_name,
        last_name=last_name,
        is_demo=True,
        now=now,
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
    now: datetime.datetime | None = None,
) -> Business:
    """Register a business; its owner (when given) becomes its first member, at the same moment."""
    now = now or timezone.now()
    business = Business(
        name=name,
        bin=bin,
        kind=kind,
        city=city,
        in_smart_city_zone=in_smart_city_zone,
        activity=activity,
        created_at=now,
    )
    full_clean(business)
    business.save()
    record(
        actor=actor,
        action="accounts.business_created",
        obj=business,
        data={"name": name, "bin": bin, "kind": kind, "city": city, "owner": owner.pk if owner else None},
    )
    if owner is not None:
        membership_add(actor=actor, user=owner, business=business, role=MembershipRole.OWNER, now=now)
    return business


@transaction.atomic
def membership_add(
    *, actor: User | None, user: User, business: Business, role: str, now: datetime.datetime | None = None
) -> Membership:
    if Membership.objects.filter(user=user, business=business).exists():
        raise ValidationFailed(
            f"{user.username} is already a member of {business.name}.", code=ErrorCode.ALREADY_MEMBER
        )
    membership = Membership(user=user, business=business, role=role, created_at=now or timezone.now())
    full_clean(membership, exclude=["user", "business"])
    membership.save()
    record(actor=actor, action="accounts.membership_added", obj=membership, data=_membership_data(membership))
    business_link_added.send(
        sender=Membership, actor=actor, user=user, business=business, event=f"membership-{membership.pk}"
    )
    return membership


def _membership_data(membership: Membership) -> dict:
    """Who belongs to which business in which role, as the audit trail reads it years later: the ids
    and the names they had at the time."""
    return {
        "user": membership.user_id,
        "username": membership.user.username,
        "business": membership.business_id,
        "business_name": membership.business.name,
        "role": membership.role,
    }


@transaction.atomic
def membership_role_change(*, actor: User | None, membership_id: int, role: str) -> Membership:
    membership = (
        Membership.objects.select_for_update().select_related("user", "business").get(pk=membership_id)
    )
    previous = membership.role
    if role == previous:
        return membership
    membership.role = role
    full_clean(membership, exclude=["user", "business"])
    membership.save(update_fields=["role"])
    record(
        actor=actor,
        action="accounts.membership_changed",
        obj=membership,
        data=_membership_data(membership) | {"role_before": previous},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: User | None, membership_id: int) -> None:
    membership = (
        Membership.objects.select_for_update().select_related("user", "business").get(pk=membership_id)
    )
    data, pk = _membership_data(membership), membership.pk
    membership.delete()
    record(
        actor=actor,
        action="accounts.membership_removed",
        object_type=Membership._meta.label_lower,
        object_id=pk,
        data=data,
    )


@transaction.atomic
def authority_create(
    *, actor: User | None, code: str, name: str, jurisdiction: str, city: str = ""
) -> Authority:
    authority = Authority(code=code, name=name, jurisdiction=jurisdiction, city=city)
    full_clean(authority)
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
        raise ValidationFailed(f"{user.username} is already an official.", code=ErrorCode.ALREADY_OFFICIAL)
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
    *,
    actor: User | None,
    name: str,
    user: User,
    business: Business | None = None,
    contact_email: str = "",
    now: datetime.datetime | None = None,
) -> ApiClient:
    client = ApiClient(
        name=name,
        user=user,
        business=business,
        contact_email=contact_email,
        created_at=now or timezone.now(),
    )
    full_clean(client, exclude=["user", "business"])
    client.save()
    record(
        actor=actor,
        action="accounts.api_client_created",
        obj=client,
        data={"name": name, "user": user.pk, "business": business.pk if business else None},
    )
    return client


@transaction.atomic
def auth_token_issue(
    *, user: User, actor: User | None = None, now: datetime.datetime | None = None
) -> tuple[AuthToken, str]:
    """Issue an expiring token; only its hash is stored, the key is shown to the caller once.

    `actor` is who asked for it when that is not the user themselves (an admin issuing a token to
    an API client). The token is issued at `now` and expires REST_KNOX["TOKEN_TTL"] after it; knox
    stamps `created` itself (auto_now_add), so the stamp is set right after the insert.
    """
    now = now or timezone.now()
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    instance, key = AuthToken.objects.create(user=user, expiry=None)
    instance.created, instance.expiry = now, now + ttl if ttl is not None else None
    AuthToken.objects.filter(pk=instance.pk).update(created=instance.created, expiry=instance.expiry)
    record(
        actor=actor or user,
        action="accounts.token_issued",
        object_type="knox.authtoken",
        object_id=instance.token_key,
        data={"user": user.pk, "expires_at": instance.expiry},
    )
    return instance, key


def auth_login(
    *, request, username: str, password: str, now: datetime.datetime, client: str = ""
) -> tuple[AuthToken, str]:
    """Check a username and password and issue a token, refusing a locked account.

    A locked account is refused before the password is looked at, so the right password does not
    get through either. A wrong password is counted in its own committed transaction before the
    400 leaves (the failed request must not roll it back). An unknown username is counted and
    answered exactly like a wrong password, so neither answer says whether the account exists.
    """
    _login_lockout_check(username=username, now=now)
    user = authenticate(request, username=username, password=password)
    if user is None:
        login_failure_record(username=username, now=now, client=client)
        message = str(ErrorCode.INVALID_CREDENTIALS.label)
        raise ValidationFailed(
            message, code=ErrorCode.INVALID_CREDENTIALS, fields={"non_field_errors": [message]}
        )
    with transaction.atomic():
        LoginFailure.objects.filter(username=username).delete()
        return auth_token_issue(user=user, now=now)


def _login_lockout_check(*, username: str, now: datetime.datetime) -> None:
    locked_until = (
        LoginFailure.objects.filter(username=username, locked_until__gt=now)
        .values_list("locked_until", flat=True)
        .first()
    )
    if locked_until is not None:
        raise AccountLocked(retry_after=max(1, math.ceil((locked_until - now).total_seconds())))


@transaction.atomic
def login_failure_record(*, username: str, now: datetime.datetime, client: str = "") -> LoginFailure:
    """Count one wrong password for `username`; the one that reaches the limit locks it.

    The count starts afresh once the window has passed or a lockout has ended. The row is locked
    while counting, so parallel guesses cannot slip under the limit. Only the lock is audited: an
    event per guess would let anyone flood the audit chain, whose appends are serialised.
    """
    window = datetime.timedelta(minutes=settings.PORTAL_LOGIN_LOCKOUT_WINDOW_MINUTES)
    failure, _ = LoginFailure.objects.select_for_update().get_or_create(
        username=username, defaults={"window_started_at": now, "last_failed_at": now}
    )
    lock_ended = failure.locked_until is not None and failure.locked_until <= now
    if lock_ended or failure.window_started_at <= now - window:
        failure.failures = 0
        failure.window_started_at = now
        failure.locked_until = None
    failure.failures += 1
    failure.last_failed_at = now
    locks = failure.failures >= settings.PORTAL_LOGIN_LOCKOUT_FAILURES
    if locks:
        failure.locked_until = now + datetime.timedelta(minutes=settings.PORTAL_LOCKOUT_MINUTES)
    failure.save()
    if locks:
        user = User.objects.filter(username=username).first()
        record(
            actor=None,
            action="accounts.account_locked",
            obj=failure,
            data={
                "username": username,
                "user": user.pk if user else None,
                "failures": failure.failures,
                "locked_until": failure.locked_until,
                "client": client,
            },
        )
    return failure


@transaction.atomic
def login_lockout_clear(*, actor: User, username: str) -> bool:
    """Let `username` sign in again at once: forget its wrong passwords and end its lockout.

    For an administrator who has made sure the owner is the one asking. The row is locked while it is
    removed, so a wrong password counted at the same moment is not lost half-way. Returns False (and
    records nothing) when there was nothing to clear.
    """
    failure = LoginFailure.objects.select_for_update().filter(username=username).first()
    if failure is None:
        return False
    user = User.objects.filter(username=username).first()
    data = {
        "username": username,
        "user": user.pk if user else None,
        "failures": failure.failures,
        "locked_until": failure.locked_until,
    }
    pk = failure.pk
    failure.delete()
    record(
        actor=actor,
        action="accounts.lockout_cleared",
        object_type=LoginFailure._meta.label_lower,
        object_id=pk,
        data=data,
    )
    return True


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
    group, _ = Group.objects.get_or_create(name=OVERSIGHT_GROUP)
    user.groups.add(group)
    record(actor=actor, action="accounts.oversight_joined", obj=user, data={"group": OVERSIGHT_GROUP})
