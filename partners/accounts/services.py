"""Accounts: creation, API tokens, two-factor devices."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.accounts.models import ApiToken, Role, User
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record

TOKEN_PREFIX = "ptk_"  # noqa: S105 - a label on tokens, not a secret  # nosec B105


@transaction.atomic
def user_create(*, username: str, role: str, password: str | None, first_name: str = "", last_name: str = "",
                email: str = "", organisation_id: int | None = None, supervisor_id: int | None = None,
                is_demo: bool = False, job_title: str = "") -> User:
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}; one of {', '.join(Role.values)}.")
    user = User(username=username, role=role, first_name=first_name, last_name=last_name, email=email,
                organisation_id=organisation_id, supervisor_id=supervisor_id, is_demo=is_demo,
                job_title=job_title)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str = "", actor: Actor | None = None,
                     expires_at: datetime | None = None) -> str:
    """Create a bearer token for ``user`` and return it; only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=token[:12], token_hash=ApiToken.hash(token),
                            expires_at=expires_at)
    audit_record(actor=actor or Actor.system(user), action=Action.TOKEN, object_type="user", object_id=user.pk,
                 detail={"name": name, "prefix": token[:12]})
    return token


def totp_device_for_setup(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator (created on first use), to show as a QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice) -> list[str]:
    """Confirm the authenticator and issue ten single-use backup codes (returned once, never shown again)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    static, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes", defaults={"confirmed": True})
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(10)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def _account_errors(*, username: str | None, role: str, organisation_id: int | None, supervisor_id: int | None,
                    email: str, exclude_pk: int | None = None) -> dict[str, list[str]]:
    from django.core.validators import validate_email

    from partners.organisations.models import Organisation

    errors: dict[str, list[str]] = {}
    if username is not None:
        if not username or not all(c.isalnum() or c in "._-" for c in username) or len(username) > 150:
            errors["username"] = ["Use letters, digits, dots, hyphens and underscores only."]
        elif User.objects.filter(username__iexact=username).exclude(pk=exclude_pk or 0).exists():
            errors["username"] = [f"The username {username!r} is already taken."]
    if role not in Role.values:
        errors["role"] = [f"Unknown role {role!r}; one of {', '.join(Role.values)}."]
    org = Organisation.objects.filter(pk=organisation_id).first() if organisation_id else None
    if role == Role.PRACTICE_STAFF and (org is None or org.kind != Organisation.Kind.PRACTICE):
        errors["organisation"] = ["Practice staff must belong to a GP practice."]
    if role == Role.SYSTEM_LEADER and (org is None or org.kind not in ("ics", "pcn", "trust")):
        errors["organisation"] = ["A system leader sees the figures of an ICS, PCN or trust: choose one."]
    if supervisor_id is not None:
        if role != Role.CARE_PARTNER:
            errors["supervisor"] = ["Only Care Partners have a supervisor."]
        elif not User.objects.filter(pk=supervisor_id, role=Role.SUPERVISOR, is_active=True).exists():
            errors["supervisor"] = ["Choose an active supervisor."]
    if email:
        try:
            validate_email(email)
        except Exception:
            errors["email"] = [f"{email!r} is not an email address."]
    return errors


@transaction.atomic
def account_create(*, actor: Actor, username: str, role: str, first_name: str = "", last_name: str = "",
                   email: str = "", organisation_id: int | None = None, supervisor_id: int | None = None,
                   job_title: str = "") -> tuple[User, str]:
    """A new real account with a temporary password (shown once) that must be changed at first sign-in;
    two-factor sign-in is then set up before anything else."""
    from django.core.exceptions import ValidationError

    errors = _account_errors(username=username, role=role, organisation_id=organisation_id,
                             supervisor_id=supervisor_id, email=email)
    if errors:
        raise ValidationError(errors)
    temporary = secrets.token_urlsafe(12)
    user = user_create(username=username, role=role, password=temporary, first_name=first_name,
                       last_name=last_name, email=email, organisation_id=organisation_id,
                       supervisor_id=supervisor_id, job_title=job_title)
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    audit_record(actor=actor, action=Action.CREATE, object_type="user", object_id=user.pk,
                 detail={"username": username, "role": role})
    return user, temporary


@transaction.atomic
def account_update(*, actor: Actor, user_id: int, role: str, first_name: str, last_name: str, email: str,
                   organisation_id: int | None, supervisor_id: int | None, job_title: str, is_active: bool) -> User:
    from django.core.exceptions import ValidationError

    user = User.objects.select_for_update().get(pk=user_id)
    errors = _account_errors(username=None, role=role, organisation_id=organisation_id,
                             supervisor_id=supervisor_id, email=email, exclude_pk=user.pk)
    if user.pk == actor.user.pk and (not is_active or role != user.role):
        errors.setdefault("role", []).append("You cannot change your own role or deactivate yourself.")
    if errors:
        raise ValidationError(errors)
    before = {f: getattr(user, f) for f in ("role", "organisation_id", "supervisor_id", "is_active")}
    for field, value in {"role": role, "first_name": first_name, "last_name": last_name, "email": email,
                         "organisation_id": organisation_id, "supervisor_id": supervisor_id,
                         "job_title": job_title, "is_active": is_active}.items():
        setattr(user, field, value)
    user.save()
    changed = {f: [str(v), str(getattr(user, f))] for f, v in before.items() if getattr(user, f) != v}
    audit_record(actor=actor, action=Action.UPDATE, object_type="user", object_id=user.pk, detail=changed)
    return user


@transaction.atomic
def account_reset_two_factor(*, actor: Actor, user_id: int) -> None:
    """Removes every authenticator and backup code: the user sets up two-factor again at next sign-in."""
    from django_otp.plugins.otp_static.models import StaticDevice as Static

    TOTPDevice.objects.filter(user_id=user_id).delete()
    Static.objects.filter(user_id=user_id).delete()
    audit_record(actor=actor, action=Action.UPDATE, object_type="user", object_id=user_id,
                 detail={"two_factor": "reset"})


@transaction.atomic
def password_change(*, actor: Actor, new_password: str) -> None:
    user = actor.user
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=actor, action=Action.UPDATE, object_type="user", object_id=user.pk,
                 detail={"password": "changed"})  # an audit note, not a password  # nosec B105
