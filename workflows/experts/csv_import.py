"""Adding and changing experts from a CSV file: every row checked before any is saved."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Expert,
    ExpertKind,
    Region,
    Specialism,
    User,
    VettingStatus,
)
from workflows.audit import record_event
from workflows.experts.pool import (
    Choice,
    ExpertDetails,
    ExpertPoolError,
    InvalidValueError,
    choice_lookup,
    detail_problems,
    parse_capacity,
    parse_day_rate,
    require_pool_manager,
    save_expert_changes,
    save_new_expert,
)

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
class ImportResult:
    added: int
    updated: int
    unchanged: int


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


def _split_choices(text: str, enum_class: type[Choice], noun: str) -> tuple[list[Choice], str | None]:
    lookup = choice_lookup(enum_class)
    chosen: list[Choice] = []
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


def _one_choice(text: str, enum_class: type[Choice], noun: str) -> tuple[Choice | None, str | None]:
    typed = " ".join(text.split())
    if not typed:
        return None, f"Enter the {noun}"
    member = choice_lookup(enum_class).get(typed.lower())
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
    for name, message in detail_problems(details).items():
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
    require_pool_manager(actor)
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
                save_new_expert(row.details, actor=actor, source="import")
                added += 1
            elif save_expert_changes(expert, _keeping_biography(row.details, expert), actor=actor, source="import"):
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
