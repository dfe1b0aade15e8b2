#!/usr/bin/env bash
# Lint, then run the test suite. Arguments go to pytest (scripts/test.sh tests/unit -x).
# pytest's exit code 5 (no tests collected) is a failure here: an empty run proves nothing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Qt must never look for a display in tests (the e2e tier may still choose another platform).
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}

.venv/bin/ruff check .
# The pure layers are typed (STYLE.md): shared and sync stay mypy-clean.
.venv/bin/mypy --no-error-summary shared sync

status=0
.venv/bin/python -m pytest "$@" || status=$?
if ((status == 5)); then
    echo "test: pytest collected no tests; treating that as a failure" >&2
    exit 1
fi
exit "$status"
