#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh: the database into an empty PostgreSQL database, the
# evidence into an empty folder. Every file is checked against the backup's SHA-256 manifest, and
# the target checked for emptiness, before anything is changed. See docs/operations.md.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/restore.sh [--force] BACKUP_DIRECTORY

Restores BACKUP_DIRECTORY (made by scripts/backup.sh) into
  DATABASE_URL   an existing database with nothing in it, e.g. one made with `createdb`
                 (postgresql://, postgres:// and postgresql+psycopg:// URLs are accepted)
  EVIDENCE_DIR   the evidence folder: missing or empty

The manifest (SHA256SUMS) is checked first; a file that does not match stops the restore
before anything is changed.

  --force   restore even though the database or the evidence folder is not empty: the
            objects the backup holds are dropped and made again (others are left as they
            are), and evidence files of the same names are overwritten
EOF
}

fail() {
  echo "restore: $*" >&2
  exit 1
}

force=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --force)
      force=1
      shift
      ;;
    -*)
      usage >&2
      exit 2
      ;;
    *) break ;;
  esac
done
[ "$#" -eq 1 ] || {
  usage >&2
  exit 2
}
backup="$1"

[ -n "${DATABASE_URL:-}" ] || fail "DATABASE_URL is not set"
[ -n "${EVIDENCE_DIR:-}" ] || fail "EVIDENCE_DIR is not set"
for tool in pg_restore psql tar gzip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed"
done
[ -d "$backup" ] || fail "$backup is not a directory"
[ -f "$backup/SHA256SUMS" ] || fail "$backup has no SHA256SUMS manifest: not a complete backup"

# The manifest ----------------------------------------------------------------------------------
expected="backup.txt database.dump evidence.tar.gz"
listed="$(sed -E 's/^[0-9a-f]{64} [ *]//' "$backup/SHA256SUMS" | sort | tr '\n' ' ' | sed 's/ $//')"
[ "$listed" = "$expected" ] || fail "the manifest should list exactly: $expected (it lists: $listed)"
(cd "$backup" && sha256sum --check --strict --quiet SHA256SUMS) ||
  fail "$backup does not match its manifest: a file is damaged or was changed; nothing was restored"

pg_restore --list "$backup/database.dump" >/dev/null || fail "database.dump is not a readable pg_dump archive"
entries="$(tar --list --gzip --file="$backup/evidence.tar.gz")" || fail "evidence.tar.gz is not a readable archive"
if printf '%s\n' "$entries" | grep -Eq '(^/|(^|/)\.\.(/|$))'; then
  fail "evidence.tar.gz holds a path outside its folder"
fi

# The targets -----------------------------------------------------------------------------------
database_url="$(printf '%s' "$DATABASE_URL" | sed -E 's#^postgres(ql)?(\+[A-Za-z0-9_]+)?://#postgresql://#')"
database_name="${database_url##*/}"
database_name="${database_name%%\?*}"

# Tables, sequences, views, types and functions outside PostgreSQL's own schemas.
objects="$(
  psql --dbname="$database_url" --no-psqlrc --quiet --tuples-only --no-align --set=ON_ERROR_STOP=1 --command="
    SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%')
         + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE t.typtype IN ('e', 'd') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\_%')
         + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%')"
)" || fail "could not connect to the database $database_name (create it first, e.g. with createdb)"
if [ "$objects" != "0" ] && [ -z "$force" ]; then
  fail "the database $database_name is not empty ($objects objects): restore into a new database, or give --force"
fi

if [ -d "$EVIDENCE_DIR" ] && [ -n "$(find "$EVIDENCE_DIR" -mindepth 1 -print -quit)" ] && [ -z "$force" ]; then
  fail "the evidence folder $EVIDENCE_DIR is not empty: restore into a new folder, or give --force"
fi
[ ! -e "$EVIDENCE_DIR" ] || [ -d "$EVIDENCE_DIR" ] || fail "$EVIDENCE_DIR exists and is not a folder"

# The restore -----------------------------------------------------------------------------------
clean=()
[ -z "$force" ] || clean=(--clean --if-exists)
# One transaction: a restore that fails leaves the database as it was.
pg_restore --dbname="$database_url" --no-owner --no-privileges --exit-on-error --single-transaction \
  ${clean[@]+"${clean[@]}"} "$backup/database.dump" || fail "pg_restore into $database_name failed; the database is unchanged"
psql --dbname="$database_url" --no-psqlrc --quiet --set=ON_ERROR_STOP=1 --command="ANALYZE" ||
  fail "the data is restored, but ANALYZE failed: run it by hand"

mkdir -p "$EVIDENCE_DIR"
tar --extract --gzip --file="$backup/evidence.tar.gz" --directory="$EVIDENCE_DIR" --no-same-owner --preserve-permissions ||
  fail "the database is restored, but the evidence could not be unpacked into $EVIDENCE_DIR"

echo "restored $backup into the database $database_name and $EVIDENCE_DIR"
