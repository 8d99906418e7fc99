"""Accounts: invitations, passwords, roles and deactivation. Operations flush, never commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from grants.extensions import db
from grants.models import Council, Expert, Role, TokenPurpose, User, UserRole, UserToken, utcnow
from grants.models.user import new_session_token
from notifications import queue_email, reminders
from workflows.audit import record_event
from workflows.formatting import UK, uk_datetime
from workflows.passwords import hash_password
from workflows.working_days import add_working_days

INVITATION_REMINDER = "invitation"


class AccountError(ValueError):
    """A request about an account that the rules refuse; the message is for the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


EXPIRED = "expired"
USED = "used"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class RedeemedToken:
    user: User | None
    problem: str | None  # None, EXPIRED, USED or UNKNOWN


def user_with_roles(user_id: int) -> User | None:
    """The person with their roles, in one statement: every signed-in request (a page or the
    API) starts by loading them, and their roles decide what it may do."""
    query = select(User).where(User.id == user_id).options(joinedload(User.role_links))
    return db.session.execute(query).unique().scalar_one_or_none()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_role_links(roles: set[Role], council: Council | None, expert: Expert | None) -> None:
    if not roles:
        raise AccountError("Select at least one role", field="roles")
    if Role.COUNCIL_OFFICER in roles and council is None:
        raise AccountError("Select the council a council officer works for", field="council")
    if Role.COUNCIL_OFFICER not in roles and council is not None:
        raise AccountError("Only a council officer belongs to a council", field="council")
    if Role.COUNCIL_OFFICER in roles and len(roles) > 1:
        raise AccountError("A council officer cannot also hold a staff or expert role", field="roles")
    if Role.EXPERT in roles and expert is None:
        raise AccountError("Select the expert profile this person uses", field="expert")
    if Role.EXPERT not in roles and expert is not None:
        raise AccountError("Only an expert is linked to an expert profile", field="expert")


def issue_token(user: User, purpose: TokenPurpose, *, valid_for: timedelta, new_email: str | None = None) -> str:
    """A new single-use link secret for the user; earlier unused links of the same purpose stop
    working. Returns the secret, which is never stored."""
    now = utcnow()
    db.session.execute(
        update(UserToken)
        .where(UserToken.user_id == user.id, UserToken.purpose == purpose, UserToken.used_at.is_(None))
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    secret = secrets.token_urlsafe(32)
    db.session.add(
        UserToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_hash_token(secret),
            expires_at=now + valid_for,
            new_email=new_email,
        )
    )
    return secret


def _token_key(secret: str) -> str:
    """A message key for a link: the stored hash of its secret, never the secret itself."""
    return _hash_token(secret)


def find_token(secret: str, purpose: TokenPurpose) -> RedeemedToken:
    """Look a link up without using it."""
    token = db.session.scalar(
        select(UserToken).where(UserToken.token_hash == _hash_token(secret), UserToken.purpose == purpose)
    )
    if token is None:
        return RedeemedToken(None, UNKNOWN)
    if token.used_at is not None:
        return RedeemedToken(token.user, USED)
    if token.expires_at <= utcnow() or not token.user.is_active:
        return RedeemedToken(token.user, EXPIRED)
    return RedeemedToken(token.user, None)


def pending_email(secret: str) -> str | None:
    """The address an email-change link would move its account to."""
    return db.session.scalar(
        select(UserToken.new_email).where(
            UserToken.token_hash == _hash_token(secret), UserToken.purpose == TokenPurpose.EMAIL_CHANGE
        )
    )


def _use_token(secret: str, purpose: TokenPurpose) -> User:
    """Mark a link used, exactly once even when two requests race: the guarded UPDATE lets one win."""
    now = utcnow()
    result = db.session.execute(
        update(UserToken)
        .where(
            UserToken.token_hash == _hash_token(secret),
            UserToken.purpose == purpose,
            UserToken.used_at.is_(None),
            UserToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(UserToken.user_id)
        .execution_options(synchronize_session=False)
    )
    user_id = result.scalar_one_or_none()
    if user_id is None:
        found = find_token(secret, purpose)
        raise AccountError("This link has already been used" if found.problem == USED else "This link has expired")
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def invite_user(
    *,
    email: str,
    name: str,
    roles: set[Role],
    council: Council | None,
    expert: Expert | None,
    actor: User | None,
    valid_for: timedelta,
    service_url: str,
) -> User:
    """Create an account with no password and email its holder a single-use link to set one."""
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("An account with this email address already exists", field="email")
    if expert is not None and db.session.scalar(select(User.id).where(User.expert_id == expert.id)):
        raise AccountError("Another account already uses this expert profile", field="expert")
    _check_role_links(roles, council, expert)
    user = User(
        email=email,
        name=name.strip(),
        council=council,
        expert_id=expert.id if expert else None,
        role_links=[UserRole(role=r) for r in sorted(roles)],
    )
    db.session.add(user)
    db.session.flush()
    record_event(
        "user.invited",
        actor=actor,
        subject_type="user",
        subject_id=user.id,
        roles=sorted(roles),
        council_id=council.id if council else None,
    )
    _send_invitation(user, actor=actor, valid_for=valid_for, service_url=service_url)
    return user


def _send_invitation(user: User, *, actor: User | None, valid_for: timedelta, service_url: str) -> None:
    _email_link(
        user,
        TokenPurpose.INVITATION,
        template="invitation",
        address=f"{service_url}/invitation",
        valid_for=valid_for,
        invited_by=actor.name if actor else "The Productivity Programme team",
        roles=[r.label for r in sorted(user.roles)],
    )
    _schedule_invitation_reminder(user, actor=actor, expires_at=utcnow() + valid_for)


def _schedule_invitation_reminder(user: User, *, actor: User | None, expires_at: datetime) -> None:
    """Remind the invitee the day before their link expires and, if someone invited them and
    the invitation is still unaccepted the working day after it expired, tell that person. A new
    link starts the cycle again."""
    reminders.cancel("user", user.id, INVITATION_REMINDER)
    expires_on = expires_at.astimezone(UK).date()
    due_on = expires_on - timedelta(days=1)
    if due_on <= utcnow().astimezone(UK).date():
        return  # a link that short-lived has no day before
    reminders.schedule(
        subject_type="user",
        subject_id=user.id,
        kind=INVITATION_REMINDER,
        user=user,
        due_on=due_on,
        template="invitation_reminder",
        link="/invitation/new",
        context={"expires": uk_datetime(expires_at)},
        escalate_on=add_working_days(expires_on, 1) if actor else None,
        escalation_template="invitation_not_accepted" if actor else None,
        escalate_to=actor,
        escalation_link=f"/admin/users/{user.id}",
    )


def resend_invitation(user: User, *, actor: User | None, valid_for: timedelta, service_url: str) -> None:
    """Send a fresh invitation to someone who has not yet set a password. The old link stops working."""
    if user.has_password:
        raise AccountError("This person has already accepted their invitation")
    if not user.is_active:
        raise AccountError("This account is deactivated")
    record_event("user.invitation_resent", actor=actor, subject_type="user", subject_id=user.id)
    _send_invitation(user, actor=actor, valid_for=valid_for, service_url=service_url)


def request_new_invitation(email: str, *, valid_for: timedelta, service_url: str) -> None:
    """Someone whose link expired asks again. A new link goes only to the invited address, and only
    while the invitation is still unaccepted; the answer on screen is the same either way."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or user.has_password or not user.is_active:
        return
    record_event("user.invitation_requested", actor=None, subject_type="user", subject_id=user.id)
    _send_invitation(user, actor=None, valid_for=valid_for, service_url=service_url)


def accept_invitation(secret: str, password: str) -> User:
    """Use an invitation link to set the first password. Raises AccountError if the link is spent."""
    user = _use_token(secret, TokenPurpose.INVITATION)
    reminders.cancel("user", user.id, INVITATION_REMINDER)
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    record_event("user.invitation_accepted", actor=user, subject_type="user", subject_id=user.id)
    return user


def request_password_reset(email: str, *, valid_for: timedelta, service_url: str) -> None:
    """Email a reset link if an active account has this address. Says nothing either way."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        return
    record_event("user.password_reset_requested", actor=None, subject_type="user", subject_id=user.id)
    _email_link(
        user,
        TokenPurpose.PASSWORD_RESET,
        template="password_reset",
        address=f"{service_url}/reset-password",
        valid_for=valid_for,
    )


def _email_link(
    user: User, purpose: TokenPurpose, *, template: str, address: str, valid_for: timedelta, **context: Any
) -> None:
    """Email the user a single-use link of this purpose: the address with a new secret at its end,
    and how many hours it lasts. The email's key is made from the secret, so it is queued once."""
    secret = issue_token(user, purpose, valid_for=valid_for)
    queue_email(
        to=user.email,
        template=template,
        key=f"{template.replace('_', '-')}:{_token_key(secret)}",
        link=f"{address}/{secret}",
        context={"name": user.name, "expires_in_hours": int(valid_for.total_seconds() // 3600), **context},
    )


def reset_password(secret: str, password: str) -> User:
    """Use a reset link to set a new password; every other session of the user ends."""
    user = _use_token(secret, TokenPurpose.PASSWORD_RESET)
    _set_password(user, password, action="user.password_reset")
    return user


def change_password(user: User, password: str) -> None:
    _set_password(user, password, action="user.password_changed")


def _set_password(user: User, password: str, *, action: str) -> None:
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    # A change of address someone else started with the old password dies with it.
    db.session.execute(
        update(UserToken)
        .where(
            UserToken.user_id == user.id,
            UserToken.purpose == TokenPurpose.EMAIL_CHANGE,
            UserToken.used_at.is_(None),
            UserToken.expires_at > utcnow(),
        )
        .values(expires_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    record_event(action, actor=user, subject_type="user", subject_id=user.id)
    queue_email(
        to=user,
        template="password_changed",
        key=f"password-changed:{user.id}:{user.session_token}",
        link="/account",
        context={"name": user.name},
        in_app=True,
    )


def _check_new_email(user: User, new_email: str) -> None:
    if new_email == user.email:
        raise AccountError("That is already your email address", field="email")
    if db.session.scalar(select(User.id).where(User.email == new_email, User.id != user.id)) is not None:
        raise AccountError("Another account uses that email address", field="email")


def request_email_change(user: User, new_email: str, *, valid_for: timedelta, service_url: str) -> None:
    """Start moving the account to a new address: a single-use link goes to the new address, to
    prove it is theirs, and a warning to the current one, in case it was not them."""
    new_email = normalise_email(new_email)
    _check_new_email(user, new_email)
    secret = issue_token(user, TokenPurpose.EMAIL_CHANGE, valid_for=valid_for, new_email=new_email)
    record_event("user.email_change_requested", actor=user, subject_type="user", subject_id=user.id)
    hours = int(valid_for.total_seconds() // 3600)
    queue_email(
        to=new_email,
        template="email_change_confirm",
        key=f"email-change:{_token_key(secret)}",
        link=f"{service_url}/account/email/{secret}",
        context={"name": user.name, "expires_in_hours": hours},
    )
    queue_email(
        to=user,
        template="email_change_requested",
        key=f"email-change-requested:{_token_key(secret)}",
        link="/account",
        context={"name": user.name, "new_email": new_email, "expires_in_hours": hours},
    )


def confirm_email_change(secret: str) -> User:
    """Use an email-change link: the account moves to the new address, every session ends, and
    the old address is told. Raises AccountError if the link is spent or the address was taken
    meanwhile."""
    new_email = pending_email(secret)
    user = _use_token(secret, TokenPurpose.EMAIL_CHANGE)
    assert new_email is not None
    _check_new_email(user, new_email)
    old_email = user.email
    user.email = new_email
    # The expert profile's address follows the account's where they were the same.
    expert = db.session.get(Expert, user.expert_id) if user.expert_id else None
    if (
        expert is not None
        and expert.email == old_email
        and db.session.scalar(select(Expert.id).where(Expert.email == new_email, Expert.id != expert.id)) is None
    ):
        expert.email = new_email
    user.session_token = new_session_token()
    record_event(
        "user.email_changed",
        actor=user,
        subject_type="user",
        subject_id=user.id,
        old_email=old_email,
        new_email=new_email,
    )
    context = {"name": user.name, "new_email": new_email}
    key = f"email-changed:{_token_key(secret)}"
    queue_email(to=old_email, template="email_changed", key=key, link="/account", context=context)
    queue_email(to=user, template="email_changed", key=f"{key}:new", link="/account", context=context, in_app=True)
    return user


def time_out_session(user: User, *, idle_minutes: float) -> None:
    """An idle session has run out: every copy of its cookie stops working."""
    user.session_token = new_session_token()
    record_event(
        "user.session_timed_out", actor=None, subject_type="user", subject_id=user.id, idle_minutes=idle_minutes
    )


def record_reauthentication(user: User) -> None:
    """The person confirmed their password again before a step that needs a recent one."""
    record_event("user.reauthenticated", actor=user, subject_type="user", subject_id=user.id)


def record_sign_in(user: User) -> None:
    user.last_signed_in_at = utcnow()
    record_event("user.signed_in", actor=user, subject_type="user", subject_id=user.id)


def sign_out_everywhere(user: User) -> None:
    """End every session of the user: the session token in their cookies no longer matches."""
    user.session_token = new_session_token()
    record_event("user.signed_out", actor=user, subject_type="user", subject_id=user.id)


def change_roles(user: User, *, roles: set[Role], council: Council | None, expert: Expert | None, actor: User) -> None:
    """Replace the user's roles (and their council or expert link)."""
    if user.id == actor.id and Role.ADMINISTRATOR in user.roles and Role.ADMINISTRATOR not in roles:
        raise AccountError("You cannot remove your own administrator role", field="roles")
    if expert is not None and db.session.scalar(select(User.id).where(User.expert_id == expert.id, User.id != user.id)):
        raise AccountError("Another account already uses this expert profile", field="expert")
    _check_role_links(roles, council, expert)
    before = sorted(user.roles)
    user.role_links = [link for link in user.role_links if link.role in roles]
    existing = user.roles
    user.role_links.extend(UserRole(role=r) for r in sorted(roles - existing))
    user.council = council
    user.expert_id = expert.id if expert else None
    # A change of role takes effect at once, in every open session.
    user.session_token = new_session_token()
    record_event(
        "user.roles_changed",
        actor=actor,
        subject_type="user",
        subject_id=user.id,
        before=before,
        after=sorted(roles),
        council_id=council.id if council else None,
    )


def deactivate_user(user: User, *, actor: User, reason: str) -> None:
    if user.id == actor.id:
        raise AccountError("You cannot deactivate your own account")
    if not user.is_active:
        raise AccountError("This account is already deactivated")
    user.is_active = False
    user.session_token = new_session_token()
    reminders.cancel("user", user.id)
    record_event("user.deactivated", actor=actor, subject_type="user", subject_id=user.id, reason=reason)


def reactivate_user(user: User, *, actor: User) -> None:
    if user.is_active:
        raise AccountError("This account is already active")
    user.is_active = True
    record_event("user.reactivated", actor=actor, subject_type="user", subject_id=user.id)


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    roles: set[Role],
    council: Council | None = None,
    expert: Expert | None = None,
) -> User:
    """An account with a password, made from the command line (the first administrator)."""
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("An account with this email address already exists", field="email")
    _check_role_links(roles, council, expert)
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        council=council,
        expert_id=expert.id if expert else None,
        role_links=[UserRole(role=r) for r in sorted(roles)],
    )
    db.session.add(user)
    db.session.flush()
    record_event("user.created", actor=None, subject_type="user", subject_id=user.id, roles=sorted(roles))
    return user
