"""An evidence file is kept only with the report that points at it: a filing whose transaction
rolls back leaves no file behind."""

from __future__ import annotations

from pathlib import Path

from grants.extensions import db
from grants.models import EvidenceFile
from tests.builders.engagements import agency_report


def _stored(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_a_committed_report_keeps_its_file(delivering, evidence_dir):  # type: ignore[no-untyped-def]
    report = agency_report(delivering, evidence_dir, 3)
    [evidence] = db.session.scalars(db.select(EvidenceFile).where(EvidenceFile.report_id == report.id))
    assert _stored(evidence_dir) == [evidence.stored_name]


def test_a_filing_rolled_back_leaves_no_file(delivering, evidence_dir, monkeypatch):  # type: ignore[no-untyped-def]
    # The filing fails at its commit, after the file was written.
    monkeypatch.setattr(db.session, "commit", db.session.rollback)
    agency_report(delivering, evidence_dir, 3)
    assert _stored(evidence_dir) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(EvidenceFile)) == 0
