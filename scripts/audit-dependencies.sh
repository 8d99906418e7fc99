#!/usr/bin/env bash
# Audits the installed Python packages for known vulnerabilities with pip-audit, against PyPI's
# advisory data. Fails on any finding. Where the advisory service cannot be reached (a machine
# whose only way out is a package mirror), it says so plainly and audits nothing: it never
# reports "no known vulnerabilities" it did not check.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
AUDIT="$VENV/bin/pip-audit"
# A known release of a package we use: PyPI's per-release JSON carries its advisories.
PROBE="https://pypi.org/pypi/flask/3.1.3/json"

if ! "$VENV/bin/python" - "$PROBE" <<'PY'
import sys
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=10) as answer:
        sys.exit(0 if answer.status == 200 and b'"vulnerabilities"' in answer.read() else 1)
except OSError:
    sys.exit(1)
PY
then
    echo "dependency audit: NOT RUN - PyPI's advisory data ($PROBE) cannot be reached from this machine."
    echo "dependency audit: run 'make audit' where it can; docs/security.md says how."
    exit 0
fi

"$AUDIT" --strict --progress-spinner off --skip-editable
