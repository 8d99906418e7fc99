"""Downloads (CSV files, the 360Giving package) are sent in chunks of about 64 KB rather than a
socket write per line."""

from __future__ import annotations

from collections.abc import Iterator

from grants.streaming import in_chunks


def test_the_chunks_hold_every_piece_in_order() -> None:
    pieces = [f"grant {n};" for n in range(10_000)]
    chunks = list(in_chunks(pieces, size=1000))
    assert "".join(chunks) == "".join(pieces)
    assert all(len(chunk) >= 1000 for chunk in chunks[:-1])
    assert len(chunks) < len(pieces) / 50


def test_a_chunk_goes_as_soon_as_it_is_full_without_reading_further() -> None:
    read = []

    def pieces() -> Iterator[str]:
        for n in range(100):
            read.append(n)
            yield "x" * 10

    chunks = in_chunks(pieces(), size=30)
    assert next(chunks) == "x" * 30
    assert read == [0, 1, 2]


def test_nothing_in_gives_nothing_out_and_a_short_file_is_one_chunk() -> None:
    assert list(in_chunks([], size=10)) == []
    assert list(in_chunks(["ab", "c"], size=10)) == ["abc"]
