"""Backups that are known to restore: scripts/backup.sh run on a world with a row in every table
and evidence files, scripts/restore.sh run into a new empty database and folder, and everything
compared; and the restore refusing a target that is not empty or a backup that does not match
its manifest."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from sqlalchemy import func, select

from devdata import demo
from grants.extensions import db
from grants.models import (
    BoardReport,
    ConflictOfInterest,
    ConsentStatus,
    Council,
    Expert,
    ExpertAvailability,
    FundingRound,
    Introduction,
    IntroductionParty,
    IntroductionStatus,
    MatchRun,
    MatchRunStatus,
    RagRule,
    TokenPurpose,
    User,
    UserToken,
    WorkerHeartbeat,
    utcnow,
)
from tests.support.mail import Mailbox
from tests.support.services import DATABASE, SMTP_PORT, drop_database, recreate_database
from tests.support.workers import ROOT, sending_app, sql
from workflows import accounts, api_tokens
from workflows.passwords import hash_password

pytestmark = pytest.mark.timeout(240)

SOURCE = f"{DATABASE}_backup_source"
TARGET = f"{DATABASE}_backup_target"


@dataclass(frozen=True)
class World:
    url: str
    evidence: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, smtp_server: Mailbox) -> Iterator[World]:
    """The demo world, a row added to each table the demo leaves empty, and evidence files."""
    from flask_migrate import upgrade

    url = recreate_database(SOURCE)
    evidence = tmp_path_factory.mktemp("evidence")
    with sending_app(url, None, smtp_port=SMTP_PORT, EVIDENCE_DIR=evidence) as app, app.app_context():
        upgrade()
        # Every demo account gets the one real hash: what is under test is that it is kept.
        with patch.object(accounts, "hash_password", lambda password, _hash=hash_password("x"): _hash):
            demo.seed_demo(date.today())
        _fill_what_the_demo_leaves_empty()
        db.session.commit()
        empty = [
            t.name for t in db.metadata.sorted_tables if not db.session.scalar(select(func.count()).select_from(t))
        ]
        db.session.remove()
    assert not empty, f"add a row to {empty} in the world above, so that the backup is seen to keep them"
    # Files the uploads would not make, to show the folder is kept whole: a subfolder, a name
    # with a space, and bytes that are not text.
    (evidence / "older layout").mkdir()
    (evidence / "older layout" / "ledger 2024.bin").write_bytes(bytes(range(256)) * 64)
    yield World(url, evidence)
    drop_database(SOURCE)


def _fill_what_the_demo_leaves_empty() -> None:
    today = date.today()
    staff = db.session.scalars(select(User).where(User.council_id.is_(None)).order_by(User.id)).first()
    expert = db.session.scalars(select(Expert).order_by(Expert.id)).first()
    councils = list(db.session.scalars(select(Council).order_by(Council.id).limit(2)))
    funding_round = db.session.scalars(select(FundingRound).order_by(FundingRound.id)).first()
    assert staff and expert and funding_round and len(councils) == 2
    api_tokens.create_token(staff, name="Reporting", expires_in_days=30, actor=staff)
    db.session.add_all(
        [
            WorkerHeartbeat(hostname="worker-1", last_seen_at=utcnow(), beats=3),
            ExpertAvailability(
                expert_id=expert.id, starts_on=today, ends_on=today + timedelta(days=90), note="Mornings"
            ),
            ConflictOfInterest(expert=expert, council=councils[0], reason="Worked there until last year"),
            MatchRun(funding_round=funding_round, status=MatchRunStatus.READY, requested_by=staff, proposal=[]),
            RagRule(green_percent=100, amber_percent=75, pro_rata=True, updated_by=staff),
            BoardReport(
                quarter_start=date(2026, 4, 1),
                quarter_end=date(2026, 6, 30),
                version=1,
                title="Quarter 1",
                rows=[{"line": "Grants", "status": "green"}],
                rule={"green_percent": 100},
                issued_by_id=staff.id,
            ),
            UserToken(
                user=staff,
                purpose=TokenPurpose.PASSWORD_RESET,
                token_hash="0" * 64,
                expires_at=utcnow() + timedelta(hours=2),
            ),
            Introduction(
                status=IntroductionStatus.PROPOSED,
                service_areas=["waste"],
                note="Both are reviewing waste collection",
                proposed_by=staff,
                parties=[IntroductionParty(council=c, consent=ConsentStatus.WAITING) for c in councils],
            ),
        ]
    )


def _script(name: str, *arguments: str, database: str, evidence: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database, "EVIDENCE_DIR": str(evidence)}
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / name), *arguments], env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def backup(world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    made = _script("backup.sh", str(tmp_path_factory.mktemp("backups")), database=world.url, evidence=world.evidence)
    assert made.returncode == 0, made.stderr
    return Path(made.stdout.strip())


@pytest.fixture
def target() -> Iterator[str]:
    """A new, empty database to restore into."""
    yield recreate_database(TARGET)
    drop_database(TARGET)


def test_a_backup_restores_every_row_and_every_evidence_file(
    world: World, backup: Path, target: str, tmp_path: Path
) -> None:
    assert sorted(p.name for p in backup.iterdir()) == ["SHA256SUMS", "backup.txt", "database.dump", "evidence.tar.gz"]
    restored_evidence = tmp_path / "evidence"
    restored = _script("restore.sh", str(backup), database=target, evidence=restored_evidence)
    assert restored.returncode == 0, restored.stderr

    tables = _tables(world.url)
    assert "alembic_version" in tables and len(tables) > 30
    assert _tables(target) == tables
    for table, key in tables.items():
        query = f'SELECT * FROM "{table}" ORDER BY {key}'
        source_rows = sql(world.url, query)
        assert source_rows, f"{table} is empty"
        assert sql(target, query) == source_rows, f"{table} differs after the restore"
    assert _sequences(target) == _sequences(world.url), "a sequence would hand out an id already taken"
    source_schema, target_schema = _schema(world.url), _schema(target)
    for part, found in source_schema.items():
        assert set(target_schema[part]) ^ set(found) == set(), f"the {part} differ after the restore"

    assert _files(restored_evidence) == _files(world.evidence)
    stored = {row[0] for row in sql(target, "SELECT stored_name FROM evidence_files")}
    assert stored and all((restored_evidence / name).is_file() for name in stored)


def _tables(url: str) -> dict[str, str]:
    """Each table of the public schema, and its primary key's columns as an ORDER BY list."""
    rows = sql(
        url,
        """
        SELECT c.relname, string_agg(quote_ident(a.attname), ', ' ORDER BY k.ordinality)
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
        LEFT JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ordinality) ON true
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE c.relkind = 'r'
        GROUP BY c.relname
        """,
    )
    without_key = [name for name, key in rows if key is None]
    assert not without_key, f"tables without a primary key cannot be compared row by row: {without_key}"
    return dict(rows)


def _sequences(url: str) -> dict[str, Any]:
    names = [row[0] for row in sql(url, "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
    return {name: sql(url, f'SELECT last_value, is_called FROM "{name}"') for name in names}


def _schema(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The columns, constraints, indexes and enumerated types of the public schema. Conditions
    (of a check constraint, of a partial index) are not compared as text: PostgreSQL may write the
    same condition differently once it has read it back."""
    return {
        "columns": sql(
            url,
            "SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default"
            " FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
        ),
        "constraints": sql(
            url,
            "SELECT conrelid::regclass::text, conname, contype, confrelid::regclass::text FROM pg_constraint"
            " WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
        ),
        "indexes": sql(
            url,
            "SELECT c.relname, i.indrelid::regclass::text, i.indisunique, i.indkey::text, i.indpred IS NOT NULL"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1",
        ),
        "types": sql(
            url,
            "SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)"
            " FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid"
            " WHERE t.typnamespace = 'public'::regnamespace GROUP BY 1 ORDER BY 1",
        ),
    }


def _files(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under the folder: its bytes and its permission bits."""
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mode & 0o777)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _only_tables(url: str) -> list[str]:
    return sorted(row[0] for row in sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))


def test_restore_refuses_a_database_that_is_not_empty(backup: Path, target: str, tmp_path: Path) -> None:
    sql(target, "CREATE TABLE kept (id integer PRIMARY KEY)")
    refused = _script("restore.sh", str(backup), database=target, evidence=tmp_path / "evidence")
    assert refused.returncode != 0
    assert "is not empty" in refused.stderr
    assert _only_tables(target) == ["kept"], "nothing may be restored into a database that was not empty"
    assert not (tmp_path / "evidence").exists()


def test_restore_refuses_an_evidence_folder_that_is_not_empty(backup: Path, target: str, tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "already-here").write_bytes(b"someone's file")
    refused = _script("restore.sh", str(backup), database=target, evidence=evidence)
    assert refused.returncode != 0
    assert "is not empty" in refused.stderr
    assert _only_tables(target) == []
    assert [p.name for p in evidence.iterdir()] == ["already-here"]


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _change_a_listed_hash(path: Path) -> None:
    lines = path.read_text().splitlines()
    digest, name = lines[0].split(maxsplit=1)
    lines[0] = f"{'0' if digest[0] != '0' else '1'}{digest[1:]} {name}"
    path.write_text("\n".join(lines) + "\n")


def _drop_a_listed_file(path: Path) -> None:
    path.write_text("".join(line + "\n" for line in path.read_text().splitlines() if "database.dump" not in line))


@pytest.mark.parametrize(
    ("file", "tamper"),
    [
        ("database.dump", _flip_a_byte),
        ("evidence.tar.gz", _flip_a_byte),
        ("SHA256SUMS", _change_a_listed_hash),
        ("SHA256SUMS", _drop_a_listed_file),
    ],
    ids=["dump-changed", "evidence-changed", "manifest-hash-changed", "manifest-entry-removed"],
)
def test_restore_refuses_a_backup_that_does_not_match_its_manifest(
    backup: Path, target: str, tmp_path: Path, file: str, tamper: Any
) -> None:
    copy = tmp_path / backup.name
    shutil.copytree(backup, copy)
    tamper(copy / file)
    refused = _script("restore.sh", str(copy), database=target, evidence=tmp_path / "evidence")
    assert refused.returncode != 0
    assert "manifest" in refused.stderr
    assert _only_tables(target) == []
    assert not (tmp_path / "evidence").exists()


def test_backup_refuses_to_run_without_its_settings(tmp_path: Path) -> None:
    missing = _script("backup.sh", str(tmp_path), database="", evidence=tmp_path)
    assert missing.returncode != 0 and "DATABASE_URL is not set" in missing.stderr
    unreachable = _script(
        "backup.sh", str(tmp_path / "out"), database="postgresql://postgres@127.0.0.1:1/none", evidence=tmp_path
    )
    assert unreachable.returncode != 0 and "pg_dump of none failed" in unreachable.stderr
    assert list((tmp_path / "out").iterdir()) == [], "a failed backup must leave no directory behind"
