"""The expert pool, kept in the service: staff add and change experts (one at a time or from a CSV
file), experts keep their own availability, specialisms and regions up to date, and both keep the
register of conflicts of interest that stops an expert being matched to a council.

Operations flush and never commit: the caller owns the transaction. Each checks the rules itself,
whatever form the values came through, and raises `ExpertPoolError` naming every field that is
wrong, having changed nothing it would leave half-done: the caller rolls back. Every change writes
an audit event about the expert; changes to an expert's profile (details, specialisms, regions,
availability) also bump `Expert.version`, so a page read before someone else's change cannot
overwrite it.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, literal, or_, select
from sqlalchemy.exc import IntegrityError

from grants.extensions import db
from grants.models import (
    ConflictOfInterest,
    Council,
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
from workflows.audit import record_event
from workflows.money import MoneyError, parse_pounds, typed_pounds
from workflows.permissions import Permission, can
from workflows.problems import ProblemsError

NAME_MAX_LENGTH = 120
EMAIL_MAX_LENGTH = 254
ORGANISATION_MAX_LENGTH = 160
BIOGRAPHY_MAX_LENGTH = 5000
NOTE_MAX_LENGTH = 200
REASON_MAX_LENGTH = 2000
CAPACITY_RANGE = (0, 20)
# Far above any day rate the programme pays (£450 to £1,050 in practice): a slip of the finger, such
# as 65000 for 650, is refused rather than stored.
DAY_RATE_CEILING_PENCE = 10_000 * 100
DAY_RATE_FORMAT = "Enter the day rate as a number of pounds, like 650"
CAPACITY_FORMAT = "Enter the capacity as a whole number from 0 to 20, like 2"
CAPACITY_RANGE_MESSAGE = "The capacity must be between 0 and 20"

IMPORT_MAX_BYTES = 1024 * 1024
IMPORT_COLUMNS = (
    "name",
    "email",
    "organisation",
    "kind",
    "specialisms",
    "regions",
    "day_rate",
    "capacity",
    "vetting_status",
)
NOT_UTF8_TEXT = (
    "The selected file must be a CSV file saved as UTF-8 text. In a spreadsheet, choose Save as, then CSV UTF-8"
)

STALE_MESSAGE = (
    "Someone else changed this expert's profile after you opened this page, so your changes have not been "
    "saved. The page now shows the profile as it is: make your changes again."
)

GSS_CODE = re.compile(r"^[EW]\d{8}$", re.IGNORECASE)
NAME_WITH_CODE = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[EW]\d{8})\)\s*$", re.IGNORECASE)

E = TypeVar("E", bound=StrEnum)


class ExpertPoolError(ProblemsError):
    """What is wrong, by field, in words for the person who typed it."""


class StaleExpertError(ExpertPoolError):
    """The page the change was made on showed an older version of the expert's profile."""

    def __init__(self) -> None:
        super().__init__({"version": STALE_MESSAGE})


class InvalidValueError(ValueError):
    """A typed value (a day rate, a capacity) that cannot be read; the message is for the person."""


@dataclass(frozen=True)
class RowProblem:
    """A problem in an imported file: its row as a spreadsheet numbers it (the header is row 1)
    and its column, when the problem has them."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column is None:
            return f"Row {self.row}: {self.message}"
        return f"Row {self.row}, {self.column}: {self.message}"


class ImportRefusedError(ExpertPoolError):
    """A file with problems: none of its rows has been imported."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.rows = list(problems)
        count = len(self.rows)
        super().__init__(
            {"file": f"The file has {count} problem{'' if count == 1 else 's'}, so nothing has been imported"}
        )


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
        return cls(
            name=expert.name,
            email=expert.email,
            organisation=expert.organisation,
            biography=expert.biography,
            kind=expert.kind,
            specialisms=tuple(expert.specialisms),
            regions=tuple(expert.regions),
            day_rate_pence=expert.day_rate_pence,
            capacity=expert.capacity,
            vetting_status=expert.vetting_status,
        )


@dataclass(frozen=True)
class AvailabilityWindow:
    starts_on: date
    ends_on: date | None = None
    note: str = ""


@dataclass(frozen=True)
class ConflictDetails:
    """A conflict as typed: the council by its name or GSS code, and why."""

    council: str
    reason: str


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int


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


def _choice_lookup(enum_class: type[E]) -> dict[str, E]:
    """Each member by its code and by its label, in lower case."""
    found: dict[str, E] = {}
    for member in enum_class:
        found[member.value.lower()] = member
        found[_label(member).lower()] = member
    return found


# Checks --------------------------------------------------------------------------------------------


def _is_pool_manager(actor: User) -> bool:
    return can(actor, Permission.MANAGE_EXPERT_POOL)


def _is_the_expert(actor: User, expert: Expert) -> bool:
    return can(actor, Permission.USE_EXPERT_PORTAL) and actor.expert_id is not None and actor.expert_id == expert.id


def _require_pool_manager(actor: User) -> None:
    if not _is_pool_manager(actor):
        raise ExpertPoolError.about("actor", "Only the programme team can change the expert pool")


def _require_manager_or_the_expert(actor: User, expert: Expert) -> None:
    if not (_is_pool_manager(actor) or _is_the_expert(actor, expert)):
        raise ExpertPoolError.about("actor", "Only the programme team or the expert can change this")


def _text_problem(text: str, limit: int, noun: str, *, required: bool) -> str | None:
    text = text.strip()
    if not text:
        return f"Enter {noun}" if required else None
    if len(text) > limit:
        return f"{noun[0].upper()}{noun[1:]} must be {limit:,} characters or fewer"
    return None


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


def _detail_problems(details: ExpertDetails) -> dict[str, str]:
    """What is wrong with the details on their own, without looking at the rest of the pool."""
    problems: dict[str, str] = {}
    checks = {
        "name": _text_problem(details.name, NAME_MAX_LENGTH, "the expert's name", required=True),
        "email": _email_problem(details.email),
        "organisation": _text_problem(
            details.organisation, ORGANISATION_MAX_LENGTH, "the organisation", required=False
        ),
        "biography": _text_problem(details.biography, BIOGRAPHY_MAX_LENGTH, "the biography", required=False),
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
    problems = _detail_problems(details)
    if "email" not in problems and _email_taken(details.email, expert):
        problems["email"] = _email_taken_message(details.email)
    return problems


def _flush_checking(field_name: str, message: str) -> None:
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


def _audit_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# Experts -------------------------------------------------------------------------------------------


def create_expert(details: ExpertDetails, *, actor: User, source: str = "form") -> Expert:
    """A new expert in the pool, with their specialisms and regions, at version 1."""
    _require_pool_manager(actor)
    problems = expert_problems(details)
    if problems:
        raise ExpertPoolError(problems)
    return _create(details, actor=actor, source=source)


def _create(details: ExpertDetails, *, actor: User, source: str) -> Expert:
    columns = details.columns()
    expert = Expert(
        **columns,
        version=1,
        specialism_links=[ExpertSpecialism(specialism=s) for s in _ordered(Specialism, details.specialisms)],
        region_links=[ExpertRegion(region=r) for r in _ordered(Region, details.regions)],
    )
    db.session.add(expert)
    _flush_checking("email", _email_taken_message(details.email))
    record_event(
        "expert.created",
        actor=actor,
        subject_type="expert",
        subject_id=expert.id,
        source=source,
        **{name: _audit_value(value) for name, value in columns.items()},
        specialisms=[s.value for s in expert.specialisms],
        regions=[r.value for r in expert.regions],
    )
    return expert


def _ordered(enum_class: type[E], chosen: Iterable[E]) -> list[E]:
    """The chosen members once each, in the order of their codes (the order the expert's links
    are read back in)."""
    wanted = set(chosen)
    return sorted((member for member in enum_class if member in wanted), key=lambda member: member.value)


def _changes(expert: Expert, details: ExpertDetails) -> dict[str, list[Any]]:
    changed: dict[str, list[Any]] = {}
    for name, after in details.columns().items():
        before = getattr(expert, name)
        if before != after:
            changed[name] = [_audit_value(before), _audit_value(after)]
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
    _require_pool_manager(actor)
    _lock(expert, expected_version)
    problems = expert_problems(details, expert)
    if problems:
        raise ExpertPoolError(problems)
    return _update(expert, details, actor=actor, source=source)


def _update(expert: Expert, details: ExpertDetails, *, actor: User, source: str) -> dict[str, list[Any]]:
    changes = _changes(expert, details)
    if not changes:
        return {}
    columns = details.columns()
    for name in changes.keys() & columns.keys():
        setattr(expert, name, columns[name])
    _set_expertise(expert, details.specialisms, details.regions)
    expert.version += 1
    _flush_checking("email", _email_taken_message(details.email))
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
    expert.version += 1
    db.session.flush()
    record_event(
        "expert.updated",
        actor=actor,
        subject_type="expert",
        subject_id=expert.id,
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
    note_problem = _text_problem(window.note, NOTE_MAX_LENGTH, "the note", required=False)
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
    expert.version += 1
    db.session.flush()
    record_event(
        "expert.availability_added",
        actor=actor,
        subject_type="expert",
        subject_id=expert.id,
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
    expert.version += 1
    db.session.flush()
    record_event("expert.availability_removed", actor=actor, subject_type="expert", subject_id=expert.id, **detail)


def is_available_on(expert: Expert, day: date) -> bool:
    """Whether the expert can take on work on this day. One who has given no windows has not said
    when they are free, and is treated as available."""
    windows = expert.availability
    return not windows or any(window.covers(day) for window in windows)


# Conflicts of interest -----------------------------------------------------------------------------


def find_council(text: str) -> Council:
    """The council in the register with this GSS code or exactly this name (any case), or with
    the code in "Babergh (E07000200)". Raises `ExpertPoolError` about "council", suggesting
    councils whose names are close."""
    typed = " ".join(text.split())
    if not typed:
        raise ExpertPoolError.about("council", "Enter the council's name or GSS code")
    with_code = NAME_WITH_CODE.match(typed)
    code = with_code.group("code") if with_code else typed if GSS_CODE.match(typed) else None
    if code is not None:
        council = db.session.scalar(select(Council).where(Council.gss_code == code.upper()))
        if council is None:
            raise ExpertPoolError.about("council", f"There is no council with the GSS code {code.upper()}")
        return council
    named = list(db.session.scalars(select(Council).where(func.lower(Council.name) == typed.lower()).limit(5)))
    if len(named) == 1:
        return named[0]
    if named:
        raise ExpertPoolError.about(
            "council", f"More than one council is called {typed}: enter the GSS code of the one you mean"
        )
    close = _councils_like(typed)
    if close:
        suggestions = ", ".join(f"{c.name} ({c.gss_code})" for c in close)
        raise ExpertPoolError.about("council", f"No council is called {typed}. Did you mean {suggestions}?")
    raise ExpertPoolError.about(
        "council", f"No council called {typed} is in the register. Enter its name or GSS code, like E07000200"
    )


def _councils_like(typed: str) -> list[Council]:
    """Up to five councils whose name contains what was typed, or is contained in it (so that
    "Babergh District Council" finds Babergh)."""
    escaped = typed.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    name = func.lower(Council.name)
    query = (
        select(Council)
        .where(
            or_(
                name.like(f"%{escaped}%", escape="\\"),
                literal(typed.lower()).contains(name),
            )
        )
        .order_by(Council.name)
        .limit(5)
    )
    return list(db.session.scalars(query))


def _reason_problem(reason: str, what: str) -> str | None:
    reason = reason.strip()
    if not reason:
        return f"Enter {what}"
    if len(reason) > REASON_MAX_LENGTH:
        return f"The reason must be {REASON_MAX_LENGTH:,} characters or fewer"
    return None


def _conflict_exists(expert: Expert, council: Council) -> bool:
    query = select(ConflictOfInterest.id).where(
        ConflictOfInterest.expert_id == expert.id, ConflictOfInterest.council_id == council.id
    )
    return db.session.scalar(query.limit(1)) is not None


def _duplicate_message(expert: Expert, council: Council) -> str:
    return f"{expert.name} already has a conflict of interest with {council.name}"


def conflict_problems(expert: Expert, details: ConflictDetails) -> dict[str, str]:
    """What `record_conflict` or `declare_conflict` would refuse, by field, changing nothing."""
    problems: dict[str, str] = {}
    try:
        council = find_council(details.council)
    except ExpertPoolError as error:
        problems.update(error.problems)
    else:
        if _conflict_exists(expert, council):
            problems["council"] = _duplicate_message(expert, council)
    reason_problem = _reason_problem(details.reason, "the reason for the conflict of interest")
    if reason_problem:
        problems["reason"] = reason_problem
    return problems


def _add_conflict(expert: Expert, details: ConflictDetails, *, actor: User, declared: bool) -> ConflictOfInterest:
    problems = conflict_problems(expert, details)
    if problems:
        raise ExpertPoolError(problems)
    council = find_council(details.council)
    conflict = ConflictOfInterest(
        expert_id=expert.id,
        council_id=council.id,
        reason=details.reason.strip(),
        declared_by_expert=declared,
        recorded_by_id=actor.id,
    )
    db.session.add(conflict)
    _flush_checking("council", _duplicate_message(expert, council))
    record_event(
        "conflict.declared" if declared else "conflict.recorded",
        actor=actor,
        subject_type="expert",
        subject_id=expert.id,
        conflict_id=conflict.id,
        council=council.gss_code,
        council_name=council.name,
        reason=conflict.reason,
    )
    return conflict


def record_conflict(expert: Expert, details: ConflictDetails, *, actor: User) -> ConflictOfInterest:
    """A conflict of interest staff know of: the expert will not be matched to the council."""
    _require_pool_manager(actor)
    return _add_conflict(expert, details, actor=actor, declared=False)


def declare_conflict(expert: Expert, details: ConflictDetails, *, actor: User) -> ConflictOfInterest:
    """A conflict of interest the expert declares themself."""
    if not _is_the_expert(actor, expert):
        raise ExpertPoolError.about("actor", "Only the expert can declare their own conflict of interest")
    return _add_conflict(expert, details, actor=actor, declared=True)


def remove_conflict(conflict: ConflictOfInterest, *, reason: str, actor: User) -> None:
    """Take a conflict off the register, by staff, with a reason kept in the audit trail with what
    the conflict was."""
    _require_pool_manager(actor)
    problem = _reason_problem(reason, "why the conflict of interest is being removed")
    if problem:
        raise ExpertPoolError.about("reason", problem)
    detail = {
        "conflict_id": conflict.id,
        "council": conflict.council.gss_code,
        "council_name": conflict.council.name,
        "conflict_reason": conflict.reason,
        "declared_by_expert": conflict.declared_by_expert,
        "reason": reason.strip(),
    }
    expert_id = conflict.expert_id
    db.session.delete(conflict)
    db.session.flush()
    record_event("conflict.removed", actor=actor, subject_type="expert", subject_id=expert_id, **detail)


def has_conflict(expert_id: int, council_id: int) -> bool:
    """Whether the register has a conflict of interest between the expert and the council."""
    query = select(ConflictOfInterest.id).where(
        ConflictOfInterest.expert_id == expert_id, ConflictOfInterest.council_id == council_id
    )
    return db.session.scalar(query.limit(1)) is not None


def conflicted_expert_ids(council_ids: Collection[int]) -> set[int]:
    """The experts with a conflict of interest with any of these councils (a lead and its partners)."""
    if not council_ids:
        return set()
    query = select(ConflictOfInterest.expert_id).where(ConflictOfInterest.council_id.in_(list(council_ids)))
    return set(db.session.scalars(query))


# Importing a CSV file ------------------------------------------------------------------------------


def read_csv_upload(data: bytes) -> str:
    """The text of an uploaded CSV file: UTF-8, with or without a byte order mark, at most 1 MB.
    Raises `ExpertPoolError` about "file" for anything else (a spreadsheet's own format, a
    picture, a file in another encoding) and for an empty file."""
    if len(data) > IMPORT_MAX_BYTES:
        raise ExpertPoolError.about("file", "The selected file must be smaller than 1 MB")
    if b"\x00" in data:
        raise ExpertPoolError.about("file", NOT_UTF8_TEXT)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExpertPoolError.about("file", NOT_UTF8_TEXT) from None
    if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text):
        raise ExpertPoolError.about("file", NOT_UTF8_TEXT)
    if not text.strip():
        raise ExpertPoolError.about("file", "The selected file is empty")
    return text


@dataclass
class ImportRow:
    """A row of an imported file, as checked: its details when it has no problem."""

    number: int
    details: ExpertDetails | None
    problems: dict[str, str]


def _split_choices(text: str, enum_class: type[E], noun: str) -> tuple[list[E], str | None]:
    lookup = _choice_lookup(enum_class)
    chosen: list[E] = []
    unknown: list[str] = []
    for part in text.split(";"):
        part = " ".join(part.split())
        if not part:
            continue
        member = lookup.get(part.lower())
        if member is None:
            unknown.append(part)
        elif member not in chosen:
            chosen.append(member)
    if unknown:
        listed = ", ".join(f"“{u}”" for u in unknown)
        what = f"is not a {noun}" if len(unknown) == 1 else f"are not {noun}s"
        return chosen, f"{listed} {what}: use the codes or names listed on the import page"
    if not chosen:
        return chosen, f"Enter at least one {noun}, separating several with semicolons"
    return chosen, None


def _one_choice(text: str, enum_class: type[E], noun: str) -> tuple[E | None, str | None]:
    typed = " ".join(text.split())
    if not typed:
        return None, f"Enter the {noun}"
    member = _choice_lookup(enum_class).get(typed.lower())
    if member is None:
        allowed = " or ".join(m.value for m in enum_class)
        return None, f"“{typed}” is not a {noun}: use {allowed}"
    return member, None


def _parse_row(number: int, values: Mapping[str, str]) -> ImportRow:
    problems: dict[str, str] = {}
    kind, kind_problem = _one_choice(values.get("kind", ""), ExpertKind, "kind of expert")
    status, status_problem = _one_choice(values.get("vetting_status", ""), VettingStatus, "vetting status")
    specialisms, specialisms_problem = _split_choices(values.get("specialisms", ""), Specialism, "specialism")
    regions, regions_problem = _split_choices(values.get("regions", ""), Region, "region")
    parse_problems = {
        "kind": kind_problem,
        "specialisms": specialisms_problem,
        "regions": regions_problem,
        "vetting_status": status_problem,
    }
    day_rate = capacity = 0
    try:
        day_rate = parse_day_rate(values.get("day_rate", ""))
    except InvalidValueError as error:
        parse_problems["day_rate"] = str(error)
    try:
        capacity = parse_capacity(values.get("capacity", ""))
    except InvalidValueError as error:
        parse_problems["capacity"] = str(error)
    problems.update({name: message for name, message in parse_problems.items() if message})
    details = ExpertDetails(
        name=values.get("name", ""),
        email=values.get("email", ""),
        organisation=values.get("organisation", ""),
        kind=kind or ExpertKind.INDIVIDUAL,
        specialisms=tuple(specialisms),
        regions=tuple(regions),
        day_rate_pence=day_rate or 1,
        capacity=capacity,
        vetting_status=status or VettingStatus.APPLIED,
    )
    for name, message in _detail_problems(details).items():
        problems.setdefault(name, message)
    return ImportRow(number=number, details=None if problems else details, problems=problems)


def _header_problems(header: list[str]) -> list[RowProblem]:
    problems: list[RowProblem] = []
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name:
            problems.append(RowProblem(1, None, f"Column {position} has no name in the header row"))
        elif name not in IMPORT_COLUMNS:
            problems.append(
                RowProblem(
                    1, name, f"{name} is not a column the import knows: the columns are {', '.join(IMPORT_COLUMNS)}"
                )
            )
        elif name in seen:
            problems.append(RowProblem(1, name, f"The header row has more than one {name} column"))
        seen.add(name)
    for name in IMPORT_COLUMNS:
        if name not in seen:
            problems.append(RowProblem(1, name, f"The file has no {name} column"))
    return problems


def check_import(text: str) -> tuple[list[ImportRow], list[RowProblem]]:
    """Every row of the file read and checked, with no change made: the rows that can be
    imported and every problem, by row and column. Rows are numbered as a spreadsheet numbers
    them, the header being row 1; an empty row is skipped."""
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return [], [RowProblem(None, None, "The file could not be read as CSV: check that it was saved as CSV UTF-8")]
    if not records or not any(cell.strip() for cell in records[0]):
        return [], [RowProblem(1, None, "The first row must be the header: " + ",".join(IMPORT_COLUMNS))]
    header = [cell.strip().lower() for cell in records[0]]
    if not set(header) & set(IMPORT_COLUMNS):
        return [], [RowProblem(1, None, "The first row must be the header: " + ",".join(IMPORT_COLUMNS))]
    problems = _header_problems(header)
    positions = {name: header.index(name) for name in IMPORT_COLUMNS if name in header}
    rows: list[ImportRow] = []
    first_row_of: dict[str, int] = {}
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header) and any(cell.strip() for cell in record[len(header) :]):
            problems.append(
                RowProblem(number, None, f"This row has {len(record)} values but the header has {len(header)} columns")
            )
            continue
        values = {name: record[at] if at < len(record) else "" for name, at in positions.items()}
        row = _parse_row(number, values)
        email = values.get("email", "").strip().lower()
        if email and "email" not in row.problems:
            if email in first_row_of:
                row.problems["email"] = f"The file already has this email address in row {first_row_of[email]}"
                row.details = None
            else:
                first_row_of[email] = number
        # A column missing from the header is reported once, in row 1, rather than in every row.
        problems.extend(RowProblem(number, name, row.problems[name]) for name in positions if name in row.problems)
        rows.append(row)
    if not rows and not any(p.row and p.row > 1 for p in problems):
        problems.append(RowProblem(2, None, "There are no experts in the file: add a row for each below the header"))
    return rows, problems


def import_experts(text: str, *, actor: User, filename: str = "") -> ImportResult:
    """Add the experts in a CSV file to the pool, and update those whose email is already in it
    (their biography and anything the file has no column for stay as they are). Every row is
    checked first: if any is wrong, nothing is imported and `ImportRefusedError` lists every
    problem with its row and column."""
    _require_pool_manager(actor)
    rows, problems = check_import(text)
    if problems:
        raise ImportRefusedError(problems)
    emails = [row.details.email.strip().lower() for row in rows if row.details is not None]
    existing = {
        expert.email: expert
        for expert in db.session.scalars(select(Expert).where(Expert.email.in_(emails)).with_for_update())
    }
    added = updated = unchanged = 0
    for row in rows:
        assert row.details is not None
        expert = existing.get(row.details.email.strip().lower())
        try:
            if expert is None:
                _create(row.details, actor=actor, source="import")
                added += 1
            elif _update(expert, _keeping_biography(row.details, expert), actor=actor, source="import"):
                updated += 1
            else:
                unchanged += 1
        except ExpertPoolError as error:
            raise ImportRefusedError(
                [RowProblem(row.number, name, message) for name, message in error.problems.items()]
            ) from None
    record_event(
        "experts.imported",
        actor=actor,
        subject_type="expert_pool",
        subject_id=None,
        filename=filename,
        rows=len(rows),
        added=added,
        updated=updated,
        unchanged=unchanged,
    )
    return ImportResult(added=added, updated=updated, unchanged=unchanged)


def _keeping_biography(details: ExpertDetails, expert: Expert) -> ExpertDetails:
    return replace(details, biography=expert.biography)


def example_csv() -> str:
    """A file to start from: the header and two experts, one of each kind."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(IMPORT_COLUMNS)
    writer.writerow(
        [
            "Jane Smith",
            "jane.smith@example.com",
            "Smith Procurement Ltd",
            "individual",
            "procurement;Finance",
            "London;south_east",
            "650",
            "2",
            "vetted",
        ]
    )
    writer.writerow(
        [
            "Nudge Partners",
            "team@nudge-partners.example.com",
            "Nudge Partners LLP",
            "delivery_partner",
            "behavioural_insights",
            "North West;Yorkshire and the Humber",
            "1,200",
            "1",
            "applied",
        ]
    )
    return out.getvalue()
