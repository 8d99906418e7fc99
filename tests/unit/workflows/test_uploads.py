"""Evidence files: the kind decided by content, safe names, storage and downloads."""

from __future__ import annotations

import hashlib
import io
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from flask import Flask, Response
from flask_login import LoginManager
from werkzeug.datastructures import Headers
from werkzeug.http import parse_options_header

import grants
from grants.config import load_config
from grants.downloads import download_response
from grants.security import init_security_headers
from workflows import uploads
from workflows.uploads import CheckedFile, EvidenceKind, UploadError, check_upload, store, stored_path

MAX = 10 * 1024 * 1024
NOT_ALLOWED = (
    "The selected file must be a PDF, Word document (DOCX), Excel spreadsheet (XLSX), CSV or image (PNG or JPEG)"
)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
EXCEL_MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


# Sample files, built from their bytes.


def make_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def make_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1 by 1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte, then one red pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def make_jpeg() -> bytes:
    """A 1 by 1 grey baseline JPEG whose Huffman tables each hold a single one-bit code."""

    def segment(marker: int, body: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body

    single_code = bytes([1] + [0] * 15) + b"\x00"
    return b"".join(
        [
            b"\xff\xd8",
            segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            segment(0xDB, b"\x00" + b"\x01" * 64),
            segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00"),
            segment(0xC4, b"\x00" + single_code),
            segment(0xC4, b"\x10" + single_code),
            segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
            b"\x3f",  # DC difference 0, then end of block, padded with ones
            b"\xff\xd9",
        ]
    )


def make_zip(parts: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def content_types(main_part: str, main_type: str, *extra: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/>' + "".join(extra) + "</Types>"
    )


def package_rels(main_part: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="' + main_part + '" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument"/></Relationships>'
    )


def docx_parts(main_type: str = WORD_MAIN) -> dict[str, bytes | str]:
    return {
        "[Content_Types].xml": content_types("word/document.xml", main_type),
        "_rels/.rels": package_rels("word/document.xml"),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Outcome report</w:t></w:r></w:p></w:body></w:document>"
        ),
    }


def xlsx_parts(main_type: str = EXCEL_MAIN, *extra_types: str) -> dict[str, bytes | str]:
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    return {
        "[Content_Types].xml": content_types(
            "xl/workbook.xml",
            main_type,
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sheet_type}"/>',
            *extra_types,
        ),
        "_rels/.rels": package_rels("xl/workbook.xml"),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
            ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Outcomes" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c r="A1"><v>42</v></c></row></sheetData></worksheet>'
        ),
    }


PDF = make_pdf()
PNG = make_png()
JPEG = make_jpeg()
DOCX = make_zip(docx_parts())
XLSX = make_zip(xlsx_parts())
CSV_UTF8_BOM = "\ufeffCouncil,Saving (£)\r\nCaerdydd,12000\r\nCôte,3\r\n".encode()
CSV_UTF8 = b"council,saving\nLeeds,12000\n"
CSV_WINDOWS_1252 = "Council,Saving\r\nCaf\u00e9 Quarter,\u00a312,000\r\n\u201cQuoted\u201d,\u20ac5\r\n".encode("cp1252")


def check(data: bytes, filename: str | None = "evidence.bin", max_bytes: int = MAX) -> CheckedFile:
    return check_upload(io.BytesIO(data), filename, max_bytes=max_bytes)


# The kind comes from the content.

ALLOWED = [
    pytest.param(PDF, EvidenceKind.PDF, "application/pdf", ".pdf", id="pdf"),
    pytest.param(PNG, EvidenceKind.PNG, "image/png", ".png", id="png"),
    pytest.param(JPEG, EvidenceKind.JPEG, "image/jpeg", ".jpg", id="jpeg"),
    pytest.param(DOCX, EvidenceKind.DOCX, DOCX_TYPE, ".docx", id="docx"),
    pytest.param(XLSX, EvidenceKind.XLSX, XLSX_TYPE, ".xlsx", id="xlsx"),
    pytest.param(CSV_UTF8_BOM, EvidenceKind.CSV, "text/csv", ".csv", id="csv-utf-8-bom"),
    pytest.param(CSV_UTF8, EvidenceKind.CSV, "text/csv", ".csv", id="csv-utf-8"),
    pytest.param(CSV_WINDOWS_1252, EvidenceKind.CSV, "text/csv", ".csv", id="csv-windows-1252"),
]


@pytest.mark.parametrize(("data", "kind", "content_type", "extension"), ALLOWED)
@pytest.mark.parametrize("filename", ["photo.png", "report.pdf", "setup.exe", "no-extension", None])
def test_an_allowed_file_is_known_by_its_content_whatever_its_name(
    data: bytes, kind: EvidenceKind, content_type: str, extension: str, filename: str | None
) -> None:
    checked = check(data, filename)
    assert checked.kind == kind
    assert checked.content_type == content_type
    assert checked.extension == extension
    assert checked.original_name.lower().endswith(uploads.EXTENSIONS[kind])
    assert checked.data == data
    assert checked.size_bytes == len(data)


def test_the_checked_file_records_the_sha256_of_its_bytes() -> None:
    assert check(PDF).sha256 == hashlib.sha256(PDF).hexdigest()


def test_the_file_bytes_stay_out_of_the_repr() -> None:
    assert "%PDF-" not in repr(check(PDF))


def test_a_pdf_named_as_a_png_is_a_pdf() -> None:
    checked = check(PDF, "photo.png")
    assert (checked.kind, checked.content_type, checked.original_name) == ("pdf", "application/pdf", "photo.pdf")


REFUSED = [
    pytest.param(b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", id="html"),
    pytest.param(b"\n\n   <html><body>Hello</body></html>", id="html-after-whitespace"),
    pytest.param(b"\xef\xbb\xbf<html></html>", id="html-after-a-byte-order-mark"),
    pytest.param(b"name,value\nx,<script>alert(1)</script>\n", id="script-in-the-first-kilobyte"),
    pytest.param(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', id="svg"),
    pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', id="bare-svg"),
    pytest.param(b"#!/bin/sh\nrm -rf /\n", id="shell-script"),
    pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00", id="windows-executable"),
    pytest.param(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", id="linux-executable"),
    pytest.param(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04;", id="gif"),
    pytest.param("council,saving\n".encode("utf-16"), id="utf-16-text"),
    pytest.param(b"council,saving\x1b[31m\n", id="text-with-control-characters"),
    pytest.param(b"\x81\x8d\x8f\x90\x9d", id="neither-utf-8-nor-windows-1252"),
    pytest.param(b"   \r\n\t\n", id="only-whitespace"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, id="png-signature-without-a-header"),
    pytest.param(make_zip({"notes.txt": "hello", "data.csv": "a,b\n"}), id="plain-zip"),
    pytest.param(make_zip({"[Content_Types].xml": content_types("x.xml", "application/xml")}), id="other-opc"),
    pytest.param(
        make_zip(
            {
                **xlsx_parts(EXCEL_MAIN, f'<Override PartName="/word/document.xml" ContentType="{WORD_MAIN}"/>'),
                "word/document.xml": docx_parts()["word/document.xml"],
            }
        ),
        id="both-docx-and-xlsx",
    ),
    pytest.param(make_zip({k: v for k, v in docx_parts().items() if k != "[Content_Types].xml"}), id="no-types"),
    pytest.param(
        make_zip(docx_parts("application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml")),
        id="word-template",
    ),
    pytest.param(b"MZ\x90\x00" + DOCX, id="zip-appended-to-a-program"),
]


@pytest.mark.parametrize("data", REFUSED)
def test_anything_else_is_refused_with_the_allowed_types(data: bytes) -> None:
    with pytest.raises(UploadError) as refused:
        check(data, "report.pdf")
    assert str(refused.value) == NOT_ALLOWED


def test_an_html_file_named_as_a_pdf_is_refused() -> None:
    with pytest.raises(UploadError, match="must be a PDF"):
        check(b"<html><body>Pay here</body></html>", "report.pdf")


# Size.


class CountingStream(io.BytesIO):
    """A stream of zeros of a given length, made as it is read, that counts the bytes handed out."""

    def __init__(self, length: int) -> None:
        super().__init__()
        self.remaining = length
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        count = self.remaining if size is None or size < 0 else min(size, self.remaining)
        self.remaining -= count
        self.bytes_read += count
        return b"\x00" * count


def test_a_30_mb_stream_is_refused_without_reading_it_all() -> None:
    stream = CountingStream(30 * 1024 * 1024)
    with pytest.raises(UploadError) as refused:
        check_upload(stream, "big.pdf", max_bytes=MAX)
    assert str(refused.value) == "The selected file must be smaller than 10 MB"
    assert stream.bytes_read <= MAX + 1


def test_a_file_of_exactly_the_limit_is_accepted_and_one_byte_more_is_refused() -> None:
    pdf_at_limit = PDF + b" " * (1000 - len(PDF))
    assert check(pdf_at_limit, max_bytes=1000).size_bytes == 1000
    with pytest.raises(UploadError, match="smaller than"):
        check(pdf_at_limit + b" ", max_bytes=1000)


@pytest.mark.parametrize(("limit", "words"), [(2 * 1024 * 1024, "2 MB"), (512 * 1024, "512 KB"), (1000, "1,000 bytes")])
def test_the_size_limit_is_given_in_words(limit: int, words: str) -> None:
    with pytest.raises(UploadError, match=f"smaller than {words}$"):
        check_upload(CountingStream(limit + 1), None, max_bytes=limit)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(UploadError) as refused:
        check(b"", "report.pdf")
    assert str(refused.value) == "The selected file is empty"


def test_a_stream_that_returns_short_reads_is_read_to_the_end() -> None:
    class Trickle(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            return super().read(min(size or 1, 7))

    assert check_upload(Trickle(PDF), "a.pdf", max_bytes=MAX).data == PDF


# Office files.


@pytest.mark.parametrize(
    "parts",
    [
        pytest.param({**xlsx_parts(), "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macros"}, id="xlsx-with-vbaproject"),
        pytest.param(
            {
                **xlsx_parts(
                    EXCEL_MACRO_MAIN,
                    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>',
                ),
                "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macros",
            },
            id="xlsm",
        ),
        pytest.param(xlsx_parts(EXCEL_MACRO_MAIN), id="macro-enabled-type-without-the-part"),
        pytest.param({**docx_parts(), "word/vbaProject.bin": b"macros"}, id="docx-with-vbaproject"),
        pytest.param({**docx_parts(), "WORD/VBAPROJECT.BIN": b"macros"}, id="part-names-in-capitals"),
        pytest.param(docx_parts("application/vnd.ms-word.document.macroEnabled.main+xml"), id="docm"),
    ],
)
def test_a_macro_enabled_office_file_is_refused(parts: dict[str, bytes | str]) -> None:
    with pytest.raises(UploadError) as refused:
        check(make_zip(parts), "budget.xlsx")
    assert str(refused.value) == "The selected file must not contain macros"


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in xlsx_parts().items():
            archive.writestr(name, content)
        with archive.open("xl/media/padding.bin", "w") as member:
            zeros = b"\x00" * (1024 * 1024)
            for _ in range(uploads.ZIP_MAX_UNCOMPRESSED_BYTES // len(zeros) + 1):
                member.write(zeros)
    bomb = buffer.getvalue()
    assert len(bomb) < 1024 * 1024
    with pytest.raises(UploadError, match="too much data"):
        check(bomb, "budget.xlsx")


def test_a_zip_of_too_many_entries_is_refused() -> None:
    parts = {**docx_parts(), **{f"word/media/{n}.txt": "" for n in range(uploads.ZIP_MAX_ENTRIES)}}
    with pytest.raises(UploadError, match="too much data"):
        check(make_zip(parts), "report.docx")


def test_a_zip_whose_headers_understate_an_entry_is_refused_as_damaged() -> None:
    """Declared sizes bound the unpacking; an entry larger than its header says fails its check."""
    data = bytearray(make_zip({**docx_parts(), "word/media/big.txt": "x" * 300_000}))
    central = data.rindex(b"PK\x01\x02")  # the last entry's central header: big.txt
    data[central + 24 : central + 28] = struct.pack("<I", 100)
    with pytest.raises(UploadError, match="could not be opened"):
        check(bytes(data), "report.docx")


def test_a_truncated_office_file_is_refused_as_damaged() -> None:
    with pytest.raises(UploadError, match="could not be opened"):
        check(DOCX[: len(DOCX) // 2], "report.docx")


def test_an_office_file_with_a_corrupted_entry_is_refused_as_damaged() -> None:
    parts = {**docx_parts(), "word/media/notes.txt": b"A" * 400}
    data = bytearray(make_zip(parts))
    # Flip a byte inside the last entry's compressed data: its checksum no longer matches.
    start = data.rindex(b"word/media/notes.txt", 0, data.index(b"PK\x01\x02")) + len("word/media/notes.txt")
    data[start + 2] ^= 0xFF
    with pytest.raises(UploadError, match="could not be opened"):
        check(bytes(data), "report.docx")


def test_an_encrypted_zip_entry_is_refused() -> None:
    data = bytearray(DOCX)
    # Set the "encrypted" flag on every entry, in the local and the central headers.
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for found in re.finditer(re.escape(signature), bytes(data)):
            data[found.start() + flag_offset] |= 0x01
    with pytest.raises(UploadError, match="password protected"):
        check(bytes(data), "report.docx")


# Names.


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("../../etc/passwd.pdf", PDF, "passwd.pdf"),
        ("C:\\evil\\..\\x.docx", DOCX, "x.docx"),
        ("C:x.docx", DOCX, "x.docx"),
        ("/var/www/static/../../shell.pdf", PDF, "shell.pdf"),
        ("reports/2024\\Q1 outcome.xlsx", XLSX, "Q1 outcome.xlsx"),
        ("Outcome report.pdf", PDF, "Outcome report.pdf"),
        (
            "Adroddiad Ceredigion \u2013 Côte.pdf",
            PDF,
            "Adroddiad Ceredigion \u2013 Côte.pdf",
        ),
        ("scan.JPEG", JPEG, "scan.JPEG"),
        ("photo.png", JPEG, "photo.jpg"),
        ("figures.txt", CSV_UTF8, "figures.txt.csv"),
        ("report", PDF, "report.pdf"),
        ("report\x00\r\n.pdf", PDF, "report.pdf"),
        ("invoice\u202efdp.exe", PDF, "invoicefdp.exe.pdf"),
        ('a<b>c:d|e?f*g"h.pdf', PDF, "a_b_c_d_e_f_g_h.pdf"),
        ("  lots   of  space .pdf  ", PDF, "lots of space.pdf"),
        (None, PDF, "evidence.pdf"),
        ("", CSV_UTF8, "evidence.csv"),
        ("..", PDF, "evidence.pdf"),
        ("../", XLSX, "evidence.xlsx"),
        ("C:\\", DOCX, "evidence.docx"),
        ("\x00\x01\x02", PNG, "evidence.png"),
    ],
)
def test_the_client_name_becomes_a_safe_base_name(filename: str | None, data: bytes, expected: str) -> None:
    assert check(data, filename).original_name == expected


def test_a_long_name_is_cut_to_255_characters_keeping_its_extension() -> None:
    name = check(PDF, "a" * 300 + ".pdf").original_name
    assert len(name) == 255
    assert name == "a" * 251 + ".pdf"


def test_a_long_name_of_the_wrong_extension_is_cut_and_given_the_right_one() -> None:
    name = check(DOCX, "b" * 400).original_name
    assert len(name) == 255
    assert name.endswith("b.docx")


# Storage.


def test_store_writes_under_a_random_name_inside_the_directory(tmp_path: Path) -> None:
    directory = tmp_path / "instance" / "evidence"
    checked = check(PDF, "../../etc/passwd.pdf")
    name = store(checked, directory)
    assert re.fullmatch(r"[0-9a-f]{32}", name)
    path = directory / name
    assert path.read_bytes() == PDF
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert [p.name for p in directory.iterdir()] == [name]


def test_two_stores_of_the_same_file_give_two_names(tmp_path: Path) -> None:
    checked = check(PNG, "photo.png")
    first, second = store(checked, tmp_path), store(checked, tmp_path)
    assert first != second
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first, second])


def test_store_never_overwrites_an_existing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taken, fresh = "a" * 32, "b" * 32
    (tmp_path / taken).write_bytes(b"earlier evidence")
    names = iter([taken, fresh])
    monkeypatch.setattr(uploads, "_new_stored_name", lambda: next(names))
    assert store(check(PDF), tmp_path) == fresh
    assert (tmp_path / taken).read_bytes() == b"earlier evidence"
    assert (tmp_path / fresh).read_bytes() == PDF


def test_store_gives_up_rather_than_overwrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = "c" * 32
    (tmp_path / taken).write_bytes(b"earlier evidence")
    monkeypatch.setattr(uploads, "_new_stored_name", lambda: taken)
    with pytest.raises(FileExistsError):
        store(check(PDF), tmp_path)
    assert (tmp_path / taken).read_bytes() == b"earlier evidence"


def test_store_leaves_no_partial_file_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_fsync(descriptor: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(uploads.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        store(check(PDF), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_stored_path_accepts_a_stored_name(tmp_path: Path) -> None:
    name = store(check(PDF), tmp_path)
    assert stored_path(tmp_path, name) == tmp_path / name
    assert stored_path(tmp_path, name).read_bytes() == PDF


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "..",
        "",
        "/etc/passwd",
        "../" + "a" * 32,
        "a" * 31,
        "a" * 33,
        "A" * 32,
        "g" * 32,
        "a" * 32 + "\n",
        "a" * 31 + "/",
        "a" * 32 + ".pdf",
        "report.pdf",
    ],
)
def test_stored_path_refuses_a_name_store_could_not_have_given(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="Not a stored evidence file name"):
        stored_path(tmp_path, name)


# Downloads.


@pytest.fixture
def stored_pdf(tmp_path: Path) -> Path:
    return stored_path(tmp_path, store(check(PDF), tmp_path))


def test_download_response_sends_an_attachment_that_is_never_rendered(stored_pdf: Path) -> None:
    app = Flask(__name__)
    with app.test_request_context("/evidence/1"):
        response = download_response(stored_pdf, download_name="Outcome report.pdf", content_type="application/pdf")
        response.direct_passthrough = False
        body = response.get_data()
    disposition, options = parse_options_header(response.headers["Content-Disposition"])
    assert disposition == "attachment"
    assert options["filename"] == "Outcome report.pdf"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert body == PDF


def test_download_response_gives_a_csv_its_type_without_claiming_a_charset(tmp_path: Path) -> None:
    path = stored_path(tmp_path, store(check(CSV_WINDOWS_1252), tmp_path))
    with Flask(__name__).test_request_context("/"):
        response = download_response(path, download_name="figures.csv", content_type="text/csv")
    assert response.headers["Content-Type"] == "text/csv"


def test_download_response_sends_an_unknown_type_as_bytes(stored_pdf: Path) -> None:
    with Flask(__name__).test_request_context("/"):
        response = download_response(stored_pdf, download_name="page.html", content_type="text/html")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_download_response_cleans_the_download_name(stored_pdf: Path) -> None:
    with Flask(__name__).test_request_context("/"):
        response = download_response(
            stored_pdf, download_name="../../x\r\nSet-Cookie: a=b.pdf", content_type="application/pdf"
        )
    _, options = parse_options_header(response.headers["Content-Disposition"])
    assert options["filename"] == "xSet-Cookie_ a=b.pdf"
    assert "\n" not in response.headers["Content-Disposition"]


def test_download_response_gives_a_non_ascii_name_in_utf_8(stored_pdf: Path) -> None:
    with Flask(__name__).test_request_context("/"):
        response = download_response(stored_pdf, download_name="Côte \u2013 report.pdf", content_type="application/pdf")
    assert "filename*=UTF-8''C%C3%B4te%20%E2%80%93%20report.pdf" in response.headers["Content-Disposition"]


def test_the_evidence_settings_default_to_the_instance_folder_and_10_mb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVIDENCE_DIR", raising=False)
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    config = load_config("development")
    evidence_dir: Path = config.EVIDENCE_DIR
    assert evidence_dir == Path(grants.__file__).resolve().parent.parent / "instance" / "evidence"
    assert config.EVIDENCE_MAX_BYTES == 10 * 1024 * 1024
    assert config.EVIDENCE_MAX_BYTES < config.MAX_CONTENT_LENGTH


def test_the_evidence_directory_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    evidence_dir: Path = load_config("development").EVIDENCE_DIR
    assert evidence_dir == tmp_path / "evidence"


@pytest.fixture
def service_app(tmp_path: Path) -> Flask:
    """An app with the service's own response headers, serving stored evidence files."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="k" * 64, EVIDENCE_DIR=tmp_path / "evidence")
    login_manager = LoginManager()
    login_manager.init_app(app)
    login_manager.user_loader(lambda identity: None)
    init_security_headers(app)

    def download(stored_name: str) -> Response:
        path = stored_path(app.config["EVIDENCE_DIR"], stored_name)
        return download_response(path, download_name="report.pdf", content_type="application/pdf")

    app.add_url_rule("/evidence/<stored_name>", "download_evidence", download)
    return app


def served_by_the_service(service_app: Flask) -> Headers:
    stored_name = store(check(PDF), service_app.config["EVIDENCE_DIR"])
    response = service_app.test_client().get(f"/evidence/{stored_name}")
    assert response.status_code == 200
    assert response.get_data() == PDF
    return response.headers


def test_a_download_keeps_its_headers_through_the_service_response_hooks(service_app: Flask) -> None:
    headers = served_by_the_service(service_app)
    assert headers["Content-Disposition"] == "attachment; filename=report.pdf"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"


def test_a_download_keeps_its_sandbox_policy_through_the_service_response_hooks(service_app: Flask) -> None:
    assert served_by_the_service(service_app)["Content-Security-Policy"] == "default-src 'none'; sandbox"
