"""The pool's experts: their details, specialisms, regions and availability, and the checks every
change to them passes."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grants.extensions import db
from grants.models import (
    Expert,
    ExpertAvailability,
    ExpertKind,
    ExpertRegion,
    ExpertSpecialism,
    Region,
    Specialism,
    User,
    VettingStatus,
)
from workflows.audit import audit_values, changed_values, record_event, record_versioned_change
from workflows.details import details_of
from workflows.money import MoneyError, parse_pounds, typed_pounds
from workflows.permissions import Permission, can
from workflows.problems import ProblemsError, text_problem

NAME_MAX_LENGTH = 120
EMAIL_MAX_LENGTH = 254
ORGANISATION_MAX_LENGTH = 160
BIOGRAPHY_MAX_LENGTH = 5000
NOTE_MAX_LENGTH = 200
CAPACITY_RANGE = (0, 20)
# Far above any day rate the programme pays (£450 to £1,050 in practice): a slip of the finger, such
# as 65000 for 650, is refused rather than stored.
DAY_RATE_CEILING_PENCE = 10_000 * 100
DAY_RATE_FORMAT = "Enter the day rate as a number of pounds, like 650"
CAPACITY_FORMAT = "Enter the capacity as a whole number from 0 to 20, like 2"
CAPACITY_RANGE_MESSAGE = "The capacity must be between 0 and 20"


STALE_MESSAGE = (
    "Someone else changed this expert's profile after you opened this page, so your changes have not been "
    "saved. The page now shows the profile as it is: make your changes again."
)


Choice = TypeVar("Choice", bound=StrEnum)


class ExpertPoolError(ProblemsError):
    """What is wrong, by field, in words for the person who typed it."""


class StaleExpertError(ExpertPoolError):
    """The page the change was made on showed an older version of the expert's profile."""

    def __init__(self) -> None:
        super().__init__({"version": STALE_MESSAGE})


class InvalidValueError(ValueError):
    """A typed value (a day rate, a capacity) that cannot be read; the message is for the person."""


@dataclass(frozen=True)
class ExpertDetails:
    """Everything staff decide about an expert."""

    name: str
    email: str
    kind: ExpertKind
    specialisms: tuple[Specialism, ...]
    regions: tuple[Region, ...]
    day_rate_pence: int
    capacity: int
    vetting_status: VettingStatus
    organisation: str = ""
    biography: str = ""

    def columns(self) -> dict[str, Any]:
        """The values as the expert's columns hold them: text trimmed, the email in lower case."""
        return {
            "name": self.name.strip(),
            "email": self.email.strip().lower(),
            "organisation": self.organisation.strip(),
            "biography": self.biography.strip(),
            "kind": self.kind,
            "day_rate_pence": self.day_rate_pence,
            "capacity": self.capacity,
            "vetting_status": self.vetting_status,
        }

    @classmethod
    def of(cls, expert: Expert) -> ExpertDetails:
        """An expert's current details, to fill the form that changes them."""
        return details_of(cls, expert, specialisms=tuple(expert.specialisms), regions=tuple(expert.regions))


@dataclass(frozen=True)
class AvailabilityWindow:
    starts_on: date
    ends_on: date | None = None
    note: str = ""


# Typed values --------------------------------------------------------------------------------------


def parse_day_rate(text: str) -> int:
    """A day rate typed in pounds ("650", "£1,200.50") as whole pence. Raises `InvalidValueError`."""
    if not text.strip():
        raise InvalidValueError("Enter the day rate")
    try:
        pence = parse_pounds(
            text, "the day rate", below_zero="must be more than £0", ceiling_pence=DAY_RATE_CEILING_PENCE
        )
    except MoneyError as error:
        message = str(error)
        raise InvalidValueError(DAY_RATE_FORMAT if message.startswith("Enter ") else message) from None
    if pence <= 0:
        raise InvalidValueError("The day rate must be more than £0")
    return pence


def parse_capacity(text: str) -> int:
    """How many engagements at once, typed as a whole number from 0 to 20. Raises `InvalidValueError`."""
    text = text.strip()
    if not text:
        raise InvalidValueError("Enter the capacity")
    if not re.fullmatch(r"-?\d{1,9}", text):
        raise InvalidValueError(CAPACITY_FORMAT)
    number = int(text)
    if not CAPACITY_RANGE[0] <= number <= CAPACITY_RANGE[1]:
        raise InvalidValueError(CAPACITY_RANGE_MESSAGE)
    return number


def day_rate_text(pence: int) -> str:
    """A day rate as a person would type it back: 65000 → "650"."""
    return typed_pounds(pence)


def _label(member: StrEnum) -> str:
    return str(getattr(member, "label", member.value))


def choice_lookup(enum_class: type[Choice]) -> dict[str, Choice]:
    """Each member by its code and by its label, in lower case."""
    found: dict[str, Choice] = {}
    for member in enum_class:
        found[member.value.lower()] = member
        found[_label(member).lower()] = member
    return found


# Checks --------------------------------------------------------------------------------------------


def _is_pool_manager(actor: User) -> bool:
    return can(actor, Permission.MANAGE_EXPERT_POOL)


def is_the_expert(actor: User, expert: Expert) -> bool:
    return can(actor, Permission.USE_EXPERT_PORTAL) and actor.expert_id is not None and actor.expert_id == expert.id


def require_pool_manager(actor: User) -> None:
    if not _is_pool_manager(actor):
        raise ExpertPoolError.about("actor", "Only the programme team can change the expert pool")


def _require_manager_or_the_expert(actor: User, expert: Expert) -> None:
    if not (_is_pool_manager(actor) or is_the_expert(actor, expert)):
        raise ExpertPoolError.about("actor", "Only the programme team or the expert can change this")


def _email_problem(email: str) -> str | None:
    email = email.strip()
    if not email:
        return "Enter the expert's email address"
    if len(email) > EMAIL_MAX_LENGTH:
        return f"The email address must be {EMAIL_MAX_LENGTH} characters or fewer"
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return "Enter an email address in the correct format, like name@example.com"
    return None


def detail_problems(details: ExpertDetails) -> dict[str, str]:
    """What is wrong with the details on their own, without looking at the rest of the pool."""
    problems: dict[str, str] = {}
    checks = {
        "name": text_problem(details.name, "the expert's name", limit=NAME_MAX_LENGTH, required=True),
        "email": _email_problem(details.email),
        "organisation": text_problem(
            details.organisation, "the organisation", limit=ORGANISATION_MAX_LENGTH, required=False
        ),
        "biography": text_problem(details.biography, "the biography", limit=BIOGRAPHY_MAX_LENGTH, required=False),
    }
    problems.update({name: message for name, message in checks.items() if message})
    if not details.specialisms:
        problems["specialisms"] = "Select at least one specialism"
    if not details.regions:
        problems["regions"] = "Select at least one region"
    if not 0 < details.day_rate_pence < DAY_RATE_CEILING_PENCE:
        problems["day_rate"] = "The day rate must be more than £0 and less than £10,000"
    if not CAPACITY_RANGE[0] <= details.capacity <= CAPACITY_RANGE[1]:
        problems["capacity"] = CAPACITY_RANGE_MESSAGE
    return problems


def _email_taken(email: str, expert: Expert | None) -> bool:
    query = select(Expert.id).where(Expert.email == email.strip().lower())
    if expert is not None and expert.id is not None:
        query = query.where(Expert.id != expert.id)
    return db.session.scalar(query.limit(1)) is not None


def _email_taken_message(email: str) -> str:
    return f"There is already an expert in the pool with the email address {email.strip().lower()}"


def expert_problems(details: ExpertDetails, expert: Expert | None = None) -> dict[str, str]:
    """What `create_expert` (or `update_expert`, given the expert) would refuse in these details,
    by field, changing nothing: for a form to show every problem at once."""
    problems = detail_problems(details)
    if "email" not in problems and _email_taken(details.email, expert):
        problems["email"] = _email_taken_message(details.email)
    return problems


def flush_checking(field_name: str, message: str) -> None:
    """Flush; two people saving the same email (or conflict) at once meet the unique index, and the
    second is told as if the check before had caught it."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ExpertPoolError.about(field_name, message) from None


def _lock(expert: Expert, expected_version: int | None) -> None:
    """Reload the expert's row under a lock, so two changes at once are taken one after the other,
    and refuse a change made from a page that showed an older version."""
    db.session.flush()
    if expert.id is not None:
        db.session.refresh(expert, with_for_update=True)
    if expected_version is not None and expert.version != expected_version:
        raise StaleExpertError()


# Experts -------------------------------------------------------------------------------------------


def create_expert(details: ExpertDetails, *, actor: User, source: str = "form") -> Expert:
    """A new expert in the pool, with their specialisms and regions, at version 1."""
    require_pool_manager(actor)
    problems = expert_problems(details)
    if problems:
        raise ExpertPoolError(problems)
    return save_new_expert(details, actor=actor, source=source)


def save_new_expert(details: ExpertDetails, *, actor: User, source: str) -> Expert:
    columns = details.columns()
    expert = Expert(
        **columns,
        version=1,
        specialism_links=[ExpertSpecialism(specialism=s) for s in _ordered(Specialism, details.specialisms)],
        region_links=[ExpertRegion(region=r) for r in _ordered(Region, details.regions)],
    )
    db.session.add(expert)
    flush_checking("email", _email_taken_message(details.email))
    record_event(
        "expert.created",
        actor=actor,
        subject_type="expert",
        subject_id=expert.id,
        source=source,
        **audit_values(columns),
        specialisms=[s.value for s in expert.specialisms],
        regions=[r.value for r in expert.regions],
    )
    return expert


def _ordered(enum_class: type[Choice], chosen: Iterable[Choice]) -> list[Choice]:
    """The chosen members once each, in the order of their codes (the order the expert's links
    are read back in)."""
    wanted = set(chosen)
    return sorted((member for member in enum_class if member in wanted), key=lambda member: member.value)


def _changes(expert: Expert, details: ExpertDetails) -> dict[str, list[Any]]:
    changed = changed_values(expert, details.columns())
    changed.update(_expertise_changes(expert, details.specialisms, details.regions))
    return changed


def _expertise_changes(
    expert: Expert, specialisms: Iterable[Specialism], regions: Iterable[Region]
) -> dict[str, list[Any]]:
    changed: dict[str, list[Any]] = {}
    for name, before, after in (
        ("specialisms", expert.specialisms, _ordered(Specialism, specialisms)),
        ("regions", expert.regions, _ordered(Region, regions)),
    ):
        if set(before) != set(after):
            changed[name] = [[m.value for m in before], [m.value for m in after]]
    return changed


def _set_expertise(expert: Expert, specialisms: Iterable[Specialism], regions: Iterable[Region]) -> None:
    """Keep the links that stay and add or drop the others (removing and adding the same one in a
    flush would meet the unique index before the old row is gone)."""
    wanted_specialisms, wanted_regions = set(specialisms), set(regions)
    for specialism_link in [s for s in expert.specialism_links if s.specialism not in wanted_specialisms]:
        expert.specialism_links.remove(specialism_link)
    for specialism in _ordered(Specialism, wanted_specialisms - set(expert.specialisms)):
        expert.specialism_links.append(ExpertSpecialism(specialism=specialism))
    for region_link in [r for r in expert.region_links if r.region not in wanted_regions]:
        expert.region_links.remove(region_link)
    for region in _ordered(Region, wanted_regions - set(expert.regions)):
        expert.region_links.append(ExpertRegion(region=region))


def update_expert(
    expert: Expert, details: ExpertDetails, *, actor: User, expected_version: int | None, source: str = "form"
) -> dict[str, list[Any]]:
    """Change an expert's details; returns what changed (before, after), also kept in the audit.
    Refused as stale when `expected_version` is not the expert's version now (None skips that
    check: an import, which has no page). Nothing changed, nothing is written."""
    require_pool_manager(actor)
    _lock(expert, expected_version)
    problems = expert_problems(details, expert)
    if problems:
        raise ExpertPoolError(problems)
    return save_expert_changes(expert, details, actor=actor, source=source)


def save_expert_changes(expert: Expert, details: ExpertDetails, *, actor: User, source: str) -> dict[str, list[Any]]:
    changes = _changes(expert, details)
    if not changes:
        return {}
    columns = details.columns()
    for name in changes.keys() & columns.keys():
        setattr(expert, name, columns[name])
    _set_expertise(expert, details.specialisms, details.regions)
    expert.version += 1
    flush_checking("email", _email_taken_message(details.email))
    record_event(
        "expert.updated",
        actor=actor,
        subject_type="expert",
        subject_id=expert.id,
        source=source,
        fields=list(changes),
        changes=changes,
    )
    return changes


def set_expertise(
    expert: Expert,
    specialisms: Collection[Specialism],
    regions: Collection[Region],
    *,
    actor: User,
    expected_version: int | None,
) -> dict[str, list[Any]]:
    """Replace an expert's specialisms and regions (the expert's own, or staff's change): at
    least one of each. Returns what changed; refused as stale like `update_expert`."""
    _require_manager_or_the_expert(actor, expert)
    _lock(expert, expected_version)
    problems: dict[str, str] = {}
    if not specialisms:
        problems["specialisms"] = "Select at least one specialism"
    if not regions:
        problems["regions"] = "Select at least one region"
    if problems:
        raise ExpertPoolError(problems)
    changes = _expertise_changes(expert, specialisms, regions)
    if not changes:
        return {}
    _set_expertise(expert, specialisms, regions)
    record_versioned_change(
        expert,
        "expert.updated",
        actor=actor,
        subject_type="expert",
        source="form",
        fields=list(changes),
        changes=changes,
    )
    return changes


# Availability --------------------------------------------------------------------------------------


def availability_problems(window: AvailabilityWindow) -> dict[str, str]:
    """What `add_availability` would refuse in this window, by field."""
    problems: dict[str, str] = {}
    if window.ends_on is not None and window.ends_on < window.starts_on:
        problems["ends_on"] = "The end date must be the same as or after the start date"
    note_problem = text_problem(window.note, "the note", limit=NOTE_MAX_LENGTH, required=False)
    if note_problem:
        problems["note"] = note_problem
    return problems


def add_availability(expert: Expert, window: AvailabilityWindow, *, actor: User) -> ExpertAvailability:
    """A window in which the expert can take on work, added by staff or the expert."""
    _require_manager_or_the_expert(actor, expert)
    problems = availability_problems(window)
    if problems:
        raise ExpertPoolError(problems)
    _lock(expert, None)
    added = ExpertAvailability(starts_on=window.starts_on, ends_on=window.ends_on, note=window.note.strip())
    expert.availability.append(added)
    db.session.flush()  # the new window's id, for the event
    record_versioned_change(
        expert,
        "expert.availability_added",
        actor=actor,
        subject_type="expert",
        window_id=added.id,
        starts_on=added.starts_on.isoformat(),
        ends_on=added.ends_on.isoformat() if added.ends_on else None,
        note=added.note,
    )
    return added


def remove_availability(window: ExpertAvailability, *, actor: User) -> None:
    """Take a window away, by staff or the expert."""
    expert = db.session.get(Expert, window.expert_id)
    assert expert is not None
    _require_manager_or_the_expert(actor, expert)
    _lock(expert, None)
    detail = {
        "window_id": window.id,
        "starts_on": window.starts_on.isoformat(),
        "ends_on": window.ends_on.isoformat() if window.ends_on else None,
        "note": window.note,
    }
    expert.availability.remove(window)
    record_versioned_change(expert, "expert.availability_removed", actor=actor, subject_type="expert", **detail)


def is_available_on(expert: Expert, day: date) -> bool:
    """Whether the expert can take on work on this day. One who has given no windows has not said
    when they are free, and is treated as available."""
    windows = expert.availability
    return not windows or any(window.covers(day) for window in windows)
