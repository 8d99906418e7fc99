"""Downloads sent as they are made (CSV files, the 360Giving package), in chunks of a useful size."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Response, stream_with_context

# The files are made a line (or a grant) at a time; they are sent in pieces of about this size,
# not a write to the socket per line (20,000 of them for a national file).
CHUNK_CHARACTERS = 64 * 1024


def in_chunks(pieces: Iterable[str], size: int = CHUNK_CHARACTERS) -> Iterator[str]:
    """The pieces joined into chunks of at least `size` characters (the last may be shorter),
    each sent as soon as it is full."""
    held: list[str] = []
    length = 0
    for piece in pieces:
        held.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(held)
            held, length = [], 0
    if held:
        yield "".join(held)


def csv_download(lines: Iterable[str], filename: str, *, chunked: bool = True) -> Response:
    """A CSV file sent as it is made (in chunks, unless `chunked` is False: then a line at a time),
    inside the request's context, so that the lines can still read the database."""
    body = in_chunks(lines) if chunked else iter(lines)
    response = Response(stream_with_context(body), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
