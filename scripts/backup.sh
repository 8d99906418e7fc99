#!/usr/bin/env bash
# Back up the service: the PostgreSQL database and the evidence folder, into a new directory
# named by the time (UTC), with a SHA-256 manifest of what it holds. scripts/restore.sh puts a
# backup back. docs/operations.md says how to run both, and how often.
set -euo pipefail
# A backup holds personal data: only its owner may read it.
umask 077

usage() {
  cat <<'EOF'
Usage: scripts/backup.sh [BACKUP_ROOT]

Writes BACKUP_ROOT/productivity-broker-YYYYMMDDTHHMMSSZ/ holding
  database.dump    pg_dump --format=custom of DATABASE_URL's database
  evidence.tar.gz  the evidence folder, EVIDENCE_DIR
  backup.txt       when, from which database, with which pg_dump
  SHA256SUMS       the SHA-256 of each file above (check with: sha256sum --check SHA256SUMS)
and prints the directory's path. BACKUP_ROOT defaults to $BACKUP_ROOT, else ./backups.

Environment:
  DATABASE_URL   the service's database, e.g. postgresql://user:password@host:5432/name
                 (postgres:// and postgresql+psycopg:// are accepted too)
  EVIDENCE_DIR   the evidence folder
EOF
}

fail() {
  echo "backup: $*" >&2
  exit 1
}

case "${1:-}" in
  -h | --help)
    usage
    exit 0
    ;;
  -*)
    usage >&2
    exit 2
    ;;
esac
[ "$#" -le 1 ] || {
  usage >&2
  exit 2
}

[ -n "${DATABASE_URL:-}" ] || fail "DATABASE_URL is not set"
[ -n "${EVIDENCE_DIR:-}" ] || fail "EVIDENCE_DIR is not set"
[ -d "$EVIDENCE_DIR" ] || fail "EVIDENCE_DIR ($EVIDENCE_DIR) is not a directory"
for tool in pg_dump tar gzip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed"
done

# libpq reads postgresql:// (or postgres://) URLs; the service's may name a Python driver.
database_url="$(printf '%s' "$DATABASE_URL" | sed -E 's#^postgres(ql)?(\+[A-Za-z0-9_]+)?://#postgresql://#')"
# The database's name alone, for messages: the URL may carry a password.
database_name="${database_url##*/}"
database_name="${database_name%%\?*}"

root="${1:-${BACKUP_ROOT:-backups}}"
mkdir -p "$root"
name="productivity-broker-$(date -u +%Y%m%dT%H%M%SZ)"
target="$root/$name"
[ ! -e "$target" ] || fail "$target exists already: wait a second and run again"
# Built under a temporary name and renamed when complete, so a backup that failed half-way is
# never mistaken for one that can be restored.
partial="$root/.$name.partial"
rm -rf "$partial"
mkdir "$partial"
trap 'rm -rf "$partial"' EXIT

# The database first, then the evidence: a file uploaded in between is in the archive without
# its row (harmless), whereas the other order could keep a row whose file is missing.
pg_dump --format=custom --dbname="$database_url" --file="$partial/database.dump" ||
  fail "pg_dump of $database_name failed (see its message above)"
tar --create --gzip --file="$partial/evidence.tar.gz" --directory="$EVIDENCE_DIR" . ||
  fail "could not archive $EVIDENCE_DIR"
{
  echo "created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "database: $database_name"
  echo "pg_dump: $(pg_dump --version)"
  echo "evidence files: $(find "$EVIDENCE_DIR" -type f | wc -l | tr -d ' ')"
} >"$partial/backup.txt"
(cd "$partial" && sha256sum database.dump evidence.tar.gz backup.txt >SHA256SUMS)

mv "$partial" "$target"
trap - EXIT
echo "$target"
