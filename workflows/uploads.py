"""Evidence files: checked by their content and stored under a name the server chooses (the web
layer serves them only as downloads: grants/downloads.py).

A file's type is decided by what its bytes are, never by its name or the content type the
browser sent. Stored files live outside the web root, named by a random token, so nothing the
client chose ever reaches the file system; the client's name is kept, cleaned, for display and
as the name offered when the file is downloaded.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO

KIB = 1024
MIB = 1024 * 1024

# A DOCX or XLSX is a ZIP archive. These bound the work needed to check one, so a small upload
# that unpacks to gigabytes (a zip bomb) is refused before it is unpacked. A large spreadsheet
# compresses about tenfold, so a 10 MB upload stays well inside them.
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_UNCOMPRESSED_BYTES = 200 * MIB
# [Content_Types].xml lists a few dozen types; anything far larger is not a real one.
CONTENT_TYPES_MAX_BYTES = 1 * MIB

_CHUNK_BYTES = 64 * KIB
_NAME_MAX_CHARACTERS = 255
_FALLBACK_STEM = "evidence"
_STORED_NAME = re.compile(r"[0-9a-f]{32}")
_STORE_ATTEMPTS = 3

NOT_ALLOWED = (
    "The selected file must be a PDF, Word document (DOCX), Excel spreadsheet (XLSX), CSV or image (PNG or JPEG)"
)
EMPTY = "The selected file is empty"
MACROS = "The selected file must not contain macros"
ENCRYPTED = "The selected file must not be password protected"
DAMAGED = "The selected file could not be opened. Check it is not damaged and try again"
TOO_MUCH_DATA = "The selected file holds too much data. Split it into smaller files and try again"


class UploadError(ValueError):
    """Why an uploaded file was refused, worded to be shown beside the file field."""


class EvidenceKind(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    XLSX = "xlsx"
    CSV = "csv"
    PNG = "png"
    JPEG = "jpeg"


CONTENT_TYPES: dict[EvidenceKind, str] = {
    EvidenceKind.PDF: "application/pdf",
    EvidenceKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    EvidenceKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    EvidenceKind.CSV: "text/csv",
    EvidenceKind.PNG: "image/png",
    EvidenceKind.JPEG: "image/jpeg",
}

# The first extension of each kind is the one given to a file that has none of them.
EXTENSIONS: dict[EvidenceKind, tuple[str, ...]] = {
    EvidenceKind.PDF: (".pdf",),
    EvidenceKind.DOCX: (".docx",),
    EvidenceKind.XLSX: (".xlsx",),
    EvidenceKind.CSV: (".csv",),
    EvidenceKind.PNG: (".png",),
    EvidenceKind.JPEG: (".jpg", ".jpeg"),
}
_KNOWN_EXTENSIONS = frozenset(extension for extensions in EXTENSIONS.values() for extension in extensions)


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file whose content is one of the allowed kinds.

    `original_name` is the client's name made safe to show and to offer as a download name; it
    always ends with an extension right for `kind`. `extension` includes the dot (".pdf").
    """

    data: bytes = field(repr=False)
    original_name: str
    kind: EvidenceKind
    content_type: str
    extension: str
    size_bytes: int
    sha256: str


def check_upload(stream: IO[bytes], filename: str | None, *, max_bytes: int) -> CheckedFile:
    """Read an uploaded file and decide its kind from its content.

    Reads at most `max_bytes + 1` bytes from `stream`, so a huge upload is refused without being
    held in memory. Raises UploadError, with a message for the person who chose the file, when
    the file is empty, larger than `max_bytes`, or not one of the allowed kinds.
    """
    if max_bytes < 1:
        raise ValueError("max_bytes must be at least 1")
    data = _read_at_most(stream, max_bytes + 1)
    if not data:
        raise UploadError(EMPTY)
    if len(data) > max_bytes:
        raise UploadError(f"The selected file must be smaller than {_size_in_words(max_bytes)}")
    kind = detect_kind(data)
    extension = EXTENSIONS[kind][0]
    return CheckedFile(
        data=data,
        original_name=safe_file_name(filename, kind=kind),
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        extension=extension,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def detect_kind(data: bytes) -> EvidenceKind:
    """The kind of a file, from its bytes alone. Raises UploadError for anything not allowed."""
    if re.match(rb"%PDF-[12]\.\d", data):
        return EvidenceKind.PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return EvidenceKind.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return EvidenceKind.JPEG
    if data.startswith(b"PK\x03\x04"):
        # Only an archive that starts at the first byte: one appended to something else (a
        # self-extracting program, say) is refused as the other thing.
        return _office_kind(data)
    if _is_csv(data):
        return EvidenceKind.CSV
    raise UploadError(NOT_ALLOWED)


def _read_at_most(stream: IO[bytes], limit: int) -> bytes:
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = stream.read(min(remaining, _CHUNK_BYTES))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _size_in_words(size_bytes: int) -> str:
    if size_bytes % MIB == 0:
        return f"{size_bytes // MIB} MB"
    if size_bytes % KIB == 0:
        return f"{size_bytes // KIB} KB"
    return f"{size_bytes:,} bytes"


_WORD_MAIN_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_EXCEL_MAIN_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def _office_kind(data: bytes) -> EvidenceKind:
    """DOCX or XLSX, or UploadError: not Office, macro-enabled, encrypted, too big or damaged."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > ZIP_MAX_ENTRIES:
                raise UploadError(TOO_MUCH_DATA)
            if sum(entry.file_size for entry in entries) > ZIP_MAX_UNCOMPRESSED_BYTES:
                raise UploadError(TOO_MUCH_DATA)
            if any(entry.flag_bits & 0x1 for entry in entries):
                raise UploadError(ENCRYPTED)
            # Part names in an Office file are compared without regard to case.
            names = {entry.filename.lower(): entry for entry in entries}
            if any(name.rsplit("/", 1)[-1] == "vbaproject.bin" for name in names):
                raise UploadError(MACROS)
            content_types_entry = names.get("[content_types].xml")
            if content_types_entry is None:
                raise UploadError(NOT_ALLOWED)
            with archive.open(content_types_entry) as member:
                content_types = member.read(CONTENT_TYPES_MAX_BYTES + 1).lower()
            if len(content_types) > CONTENT_TYPES_MAX_BYTES:
                raise UploadError(NOT_ALLOWED)
            if b"macroenabled" in content_types or b"vbaproject" in content_types:
                raise UploadError(MACROS)
            is_docx = "word/document.xml" in names and _WORD_MAIN_TYPE in content_types
            is_xlsx = "xl/workbook.xml" in names and _EXCEL_MAIN_TYPE in content_types
            if is_docx == is_xlsx:
                raise UploadError(NOT_ALLOWED)
            _unpack_every_entry(archive, entries)
            return EvidenceKind.DOCX if is_docx else EvidenceKind.XLSX
    except UploadError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
        # zipfile raises RuntimeError, among other cases, for an entry that needs a password.
        raise UploadError(DAMAGED) from None


def _unpack_every_entry(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Unpack every entry and throw the bytes away, so a damaged one fails its checksum here.

    zipfile stops unpacking an entry at the size its header declares, and the declared sizes were
    bounded already; an entry whose header understates its size fails its checksum.
    """
    for entry in entries:
        if entry.is_dir():
            continue
        with archive.open(entry) as member:
            while member.read(_CHUNK_BYTES):
                pass


# Text that a browser or another program might take for a web page, an image or a script.
_MARKUP = re.compile(r"<\s*(?:!doctype|html|head|body|script|iframe|object|embed|svg|\?xml)\b", re.IGNORECASE)
# Control characters other than tab and line ends: binary data, not text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _is_csv(data: bytes) -> bool:
    """Text in UTF-8 (with or without a byte order mark) or Windows-1252, with at least one line
    that is not blank, no control characters but tab and line ends, and nothing that looks like
    markup or a script."""
    if b"\x00" in data:
        return False
    text = _decode_text(data)
    if text is None or _CONTROL.search(text):
        return False
    start = text.lstrip()
    return bool(start) and not start.startswith(("<", "#!")) and not _MARKUP.search(text, 0, 1024)


def _decode_text(data: bytes) -> str | None:
    encodings = ("utf-8-sig",) if data.startswith(b"\xef\xbb\xbf") else ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')
_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_file_name(filename: str | None, *, kind: EvidenceKind) -> str:
    """The client's file name made safe to show and to offer as a download name.

    Keeps the base name only (no folders, drive letters or `..`), drops control and invisible
    formatting characters, replaces characters Windows forbids in names with "_", ends with an
    extension right for `kind` (replacing another allowed kind's extension, or adding one), and
    is at most 255 characters. Never empty: a name with nothing left becomes "evidence.<ext>".
    """
    extensions = EXTENSIONS[kind]
    cleaned = _clean_name(filename or "")
    stem, dot, suffix = cleaned.rpartition(".")
    given_extension = f".{suffix}" if dot and stem else ""
    if given_extension.lower() in extensions:
        extension = given_extension
    else:
        extension = extensions[0]
        if given_extension.lower() not in _KNOWN_EXTENSIONS:
            stem = cleaned
    stem = stem[: _NAME_MAX_CHARACTERS - len(extension)].rstrip(" .") or _FALLBACK_STEM
    return stem + extension


def _clean_name(name: str) -> str:
    """A base name with nothing unsafe in it; may be empty."""
    name = unicodedata.normalize("NFC", name)
    # Control, formatting (such as right-to-left overrides), surrogate and unassigned characters.
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _DRIVE.sub("", name)
    name = _WINDOWS_RESERVED.sub("_", name)
    name = " ".join(name.split())
    return name.strip(" .")[:_NAME_MAX_CHARACTERS].rstrip(" .")


def store(checked: CheckedFile, directory: Path) -> str:
    """Write a checked file into `directory` under a new random name and return that name.

    Creates the directory (mode 0o700) if needed. The file is created exclusively, so an existing
    file is never overwritten, with mode 0o600. Nothing of the client's name is used. A file left
    half-written by an error is removed.
    """
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    stored_name, descriptor = _create_new_file(directory)
    try:
        with os.fdopen(descriptor, "wb") as file:
            # The mode given to os.open is narrowed by the umask; this makes it exact.
            os.fchmod(file.fileno(), 0o600)
            file.write(checked.data)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        (directory / stored_name).unlink(missing_ok=True)
        raise
    return stored_name


def _create_new_file(directory: Path) -> tuple[str, int]:
    """A new random name and an open descriptor for a file just created under it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    attempts_left = _STORE_ATTEMPTS
    while True:
        stored_name = _new_stored_name()
        try:
            return stored_name, os.open(directory / stored_name, flags, 0o600)
        except FileExistsError:
            attempts_left -= 1
            if not attempts_left:
                raise


def _new_stored_name() -> str:
    return secrets.token_hex(16)


def stored_path(directory: Path, stored_name: str) -> Path:
    """The path of a stored file. Raises ValueError for a name `store` could not have returned,
    so a tampered record cannot reach a file outside `directory`."""
    if not isinstance(stored_name, str) or not _STORED_NAME.fullmatch(stored_name):
        raise ValueError("Not a stored evidence file name")
    return directory / stored_name


SERVABLE_CONTENT_TYPES = frozenset(CONTENT_TYPES.values())


def offered_name(name: str) -> str:
    """The name a stored file is offered under when downloaded, cleaned as an upload's name is."""
    return _clean_name(name) or _FALLBACK_STEM
