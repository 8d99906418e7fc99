"""People who sign in, their roles, and their single-use links."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import Model
from grants.models.base import LabelledEnum, UTCDateTime, str_enum, utcnow
from grants.models.council import Council


class Role(LabelledEnum):
    COUNCIL_OFFICER = "council_officer", "Council officer"
    PROGRAMME_OFFICER = "programme_officer", "Programme officer"
    ASSESSOR = "assessor", "Assessor"
    APPROVER = "approver", "Approver"
    EXPERT = "expert", "Expert"
    ADMINISTRATOR = "administrator", "Administrator"


STAFF_ROLES = frozenset({Role.PROGRAMME_OFFICER, Role.ASSESSOR, Role.APPROVER, Role.ADMINISTRATOR})


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    council_id: Mapped[int | None] = mapped_column(ForeignKey("councils.id"), index=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the signed-in identity: changing it ends every session of this user at once.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    council: Mapped[Council | None] = relationship()
    role_links: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login's interface -------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    # Roles ---------------------------------------------------------------------------------
    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(link.role for link in self.role_links)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_user_roles_user_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))

    user: Mapped[User] = relationship(back_populates="role_links")


class TokenPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a secret
    EMAIL_CHANGE = "email_change"


class UserToken(Model):
    """A single-use link. Only a hash of the secret is kept, so a database leak opens nothing."""

    __tablename__ = "user_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The address an email-change link moves the account to (that purpose only).
    new_email: Mapped[str | None] = mapped_column(String(254))

    user: Mapped[User] = relationship()
